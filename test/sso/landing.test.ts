/** Where a sign-in lands, and what one installation's session may see of another's. */
import { afterEach, describe, expect, it } from "vitest";
import { installWithKv } from "../support/marketplace.ts";
import { MARKETPLACE_URL, type SsoMarket, ssoMarket } from "./support.ts";

let market: SsoMarket | undefined;
afterEach(async () => {
  await market?.close();
  market = undefined;
});

/** Opens the integration from the console with `query` and returns where the partner sent it. */
async function landing(query: Record<string, string>) {
  if (!market) throw new Error("no market");
  const browser = market.browser();
  const landed = await browser.open(`${MARKETPLACE_URL}/sso/open?${new URLSearchParams(query)}`);
  const sso = landed.hops[1];
  return {
    location: sso?.headers.find(([name]) => name === "location")?.[1],
    ssoStatus: sso?.status,
    landed,
    browser,
  };
}

describe("where a sign-in lands", () => {
  it("follows `url` on PUBLIC_URL's origin and nowhere else", async () => {
    market = await ssoMarket();
    const { installation, resource } = await installWithKv(market.emulator);
    const own = await landing({
      installation: installation.id,
      url: `${market.publicUrl}/dashboard/resources/${resource.id}?tab=usage`,
    });
    expect(own.location).toBe(`/dashboard/resources/${resource.id}?tab=usage`);
    expect(own.landed.status).toBe(200);

    for (const foreign of [
      "https://evil.test/steal",
      "//evil.test/steal",
      "/steal",
      "javascript:alert(1)",
      "http://partner.test.evil.test/steal",
      "https://partner.test/steal",
      "http://partner.test:8080/steal",
      `${market.publicUrl}//evil.test/steal`,
    ]) {
      const other = await landing({ installation: installation.id, url: foreign });
      expect(other.location, foreign).toBe("/dashboard");
    }
  });

  it("lands unknown and page-less `path` values on the dashboard home, billing paths on billing", async () => {
    market = await ssoMarket();
    const { installation } = await installWithKv(market.emulator);
    for (const path of ["onboarding", "support", "something-new", ""]) {
      const answer = await landing({ installation: installation.id, path });
      expect(answer.ssoStatus, path).toBe(303);
      expect(answer.location, path).toBe("/dashboard");
    }
    expect((await landing({ installation: installation.id, path: "billing" })).location).toBe(
      "/dashboard/billing",
    );
    const invoice = await landing({ installation: installation.id, invoice: "inv_42" });
    expect(invoice.location).toBe("/dashboard/billing?invoice_id=inv_42");
    expect(invoice.landed.status).toBe(200);
    expect(invoice.landed.body).toContain("inv_42");
  });

  it("never lands on, nor shows, another installation's resource", async () => {
    market = await ssoMarket();
    const a = await installWithKv(market.emulator);
    const b = await installWithKv(market.emulator);

    // A resource id of B in A's sign-in lands on A's home, not on B's resource.
    const crossed = await landing({ installation: a.installation.id, resource: b.resource.id });
    expect(crossed.location).toBe("/dashboard");
    expect(crossed.landed.body).toContain(a.resource.id);
    expect(crossed.landed.body).not.toContain(b.resource.id);

    // With A's session, B's resource page is refused; A's own is served.
    const refused = await crossed.browser.open(
      `${market.publicUrl}/dashboard/resources/${b.resource.id}`,
    );
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain("KV_REST_API_URL");
    const own = await crossed.browser.open(
      `${market.publicUrl}/dashboard/resources/${a.resource.id}`,
    );
    expect(own.status).toBe(200);
  });
});
