import { afterEach, describe, expect, it } from "vitest";
import { acmeKvIntegration } from "../../examples/acme-kv/src/integration.ts";
import type { KvStore } from "../../examples/acme-kv/src/kv-store.ts";
import {
  defineIntegration,
  type Product,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { MASK } from "../../packages/partnerkit/src/emulator/mask.ts";
import type { EmulatedResource } from "../../packages/partnerkit/src/emulator/state.ts";
import { postForm } from "../support/forms.ts";
import { emulatedMarketplace, installWithKv, type Marketplace } from "../support/marketplace.ts";
import { PUBLIC_URL } from "../support/partner-app.ts";

let world: Marketplace;
afterEach(() => world.close());

/** The partner's jobs run when a test drains them, so every step is seen in order. */
async function setup(options: Parameters<typeof emulatedMarketplace>[0] = {}) {
  world = await emulatedMarketplace({ startJobs: false, ...options });
  const { installation, resource } = await installWithKv(world.emulator);
  const path = `/installations/${installation.id}/resources/${resource.id}`;
  return { installation, resource, path };
}

const request = (path: string, init?: RequestInit) => world.emulator.app.request(path, init);
const pageText = async (path: string) => (await request(path)).text();

const tokenOf = (resource: EmulatedResource | undefined) =>
  resource?.secrets.find((secret) => secret.name === "KV_REST_API_TOKEN")?.value ?? "";
const currentToken = (resourceId: string) =>
  tokenOf(world.emulator.state.resources.get(resourceId));

/** The status of a read of the store's data plane with `token`. */
async function kvStatus(resourceId: string, token: string): Promise<number> {
  const response = await world.partner.app.request(`/kv/${resourceId}/`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.status;
}

/** What the partner sent to Vercel's API, as `METHOD path status`. */
const vercelCalls = () =>
  world.emulator
    .calls({ direction: "partner→vercel" })
    .map((call) => `${call.method} ${new URL(call.url).pathname} ${call.status}`);

/** The part of a resource page after its REPL's output marker. */
const replOutput = (page: string) => page.split("data-repl-output")[1] ?? "";

/** Acme KV with its rotation made asynchronous: 202 at once, the secrets pushed by a job. */
function asyncRotation(kv: KvStore) {
  const acme = acmeKvIntegration({ kv, publicUrl: PUBLIC_URL }).product("acme-kv") as Product;
  if (!acme.secretsRotation) throw new Error("Acme KV rotates secrets");
  return defineIntegration({
    products: [{ ...acme, secretsRotation: { ...acme.secretsRotation, async: true } }],
  });
}

describe("emulator console: secrets rotation", () => {
  it("rotates synchronously: the partner's new token is applied and shown masked", async () => {
    const { installation, resource, path } = await setup();
    const before = currentToken(resource.id);
    const page = await pageText(path);
    expect(page).toContain(`action="${path}/rotate"`);
    expect(page).toContain(`<summary>${MASK}</summary><code>${before}</code>`);

    const posted = await request(
      `${path}/rotate`,
      postForm({ reason: "leaked in a log", delayOldSecretsExpirationHours: "1" }),
    );
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toBe(`${path}#rotate`);
    const rotate = world.emulator
      .calls({ installationId: installation.id })
      .find((call) => call.url.endsWith("/secrets/rotate"));
    expect(rotate).toMatchObject({
      status: 200,
      requestBody: { reason: "leaked in a log", delayOldSecretsExpirationHours: 1 },
    });

    const after = currentToken(resource.id);
    expect(after).toMatch(/^akv_/);
    expect(after).not.toBe(before);
    const shown = await pageText(path);
    expect(shown).toContain("the partner answered new");
    expect(shown).toMatch(/Rotated at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC:/);
    // The grace period stays as typed: a second click must not revoke the old token at once.
    expect(shown).toMatch(/name="delayOldSecretsExpirationHours"[^>]*value="1"/);
    expect(shown).toContain("<code>KV_REST_API_TOKEN</code> (only these changed)");
    expect(shown).toContain(`<summary>${MASK}</summary><code>${after}</code>`);
    expect(shown).not.toContain(before);
    expect(shown).not.toContain('http-equiv="refresh"');
    // The partner honours both tokens during the grace period.
    expect([await kvStatus(resource.id, after), await kvStatus(resource.id, before)]).toEqual([
      200, 200,
    ]);
  });

  it("shows the partner's refusal of a grace period beyond 720 hours", async () => {
    const { resource, path } = await setup();
    const before = currentToken(resource.id);
    const refused = await request(
      `${path}/rotate`,
      postForm({ delayOldSecretsExpirationHours: "721" }),
    );
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("Request Secrets Rotation answered 400");
    expect(currentToken(resource.id)).toBe(before);
    const notNumber = await request(
      `${path}/rotate`,
      postForm({ delayOldSecretsExpirationHours: "soon" }),
    );
    expect(notNumber.status).toBe(400);
  });

  it("shows an async rotation pending, reloading, until the partner sends the new secrets", async () => {
    const { installation, resource, path } = await setup({ integration: asyncRotation });
    const before = currentToken(resource.id);
    expect((await request(`${path}/rotate`, postForm({}))).status).toBe(303);

    const pending = await pageText(path);
    expect(pending).toContain('<span class="status pending">pending</span>');
    expect(pending).toContain("waiting for it to send the new secrets");
    expect(pending).toContain('<meta http-equiv="refresh" content="2"');
    expect(currentToken(resource.id)).toBe(before);

    await world.partner.jobs.drain();
    expect(vercelCalls()).toContain(
      `PUT /v1/installations/${installation.id}/resources/${resource.id}/secrets 201`,
    );
    const applied = await pageText(path);
    expect(applied).toContain("then sent the new secrets");
    expect(applied).not.toContain('http-equiv="refresh"');
    expect(currentToken(resource.id)).not.toBe(before);
  });
});

describe("emulator console: REPL", () => {
  it("runs commands on the partner's data, honours read-only and shows the partner's refusal", async () => {
    const { resource, path } = await setup();
    const page = await pageText(path);
    expect(page).toContain("<h2>REPL</h2>");
    // A first session starts read-only.
    expect(page).toMatch(/name="readOnly" value="true" style="min-width:0" checked/);

    const set = await request(`${path}/repl`, postForm({ input: 'set greeting "hello world"' }));
    expect(set.status).toBe(303);
    expect(set.headers.get("location")).toBe(`${path}#repl`);
    expect(await world.partner.kv.get(resource.id, "greeting")).toBe("hello world");
    expect(replOutput(await pageText(path))).toContain("<p>OK</p>");

    await request(`${path}/repl`, postForm({ input: "get greeting", readOnly: "true" }));
    expect(replOutput(await pageText(path))).toContain("<p>hello world</p>");

    await request(`${path}/repl`, postForm({ input: "keys", readOnly: "true" }));
    const keys = replOutput(await pageText(path));
    expect(keys).toContain("<th><strong>key</strong></th>");
    expect(keys).toContain("<td>greeting</td>");

    await request(`${path}/repl`, postForm({ input: "set greeting bye", readOnly: "true" }));
    const refused = replOutput(await pageText(path));
    expect(refused).toContain("the partner answered 403");
    expect(refused).toContain("it cannot run in a read-only session");
    expect(await world.partner.kv.get(resource.id, "greeting")).toBe("hello world");

    await request(`${path}/repl`, postForm({ input: "flush" }));
    expect(replOutput(await pageText(path))).toContain("Unknown command");
  });

  it("lists the product's commands up front, answers help, and keeps a history of outputs", async () => {
    const { resource, path } = await setup({
      emulator: {
        products: [
          {
            id: "acme-kv",
            repl: true,
            replCommands: [
              { name: "get", args: ["key"], description: "the value of a key" },
              { name: "set", args: ["key", "value"], description: "store a value", write: true },
            ],
          },
        ],
      },
    });
    const page = await pageText(path);
    const listed = page.split("data-repl-commands")[1]?.split("</table>")[0] ?? "";
    expect(listed).toContain("<code>get &lt;key&gt;</code>");
    expect(listed).toContain("<code>set &lt;key&gt; &lt;value&gt;</code>");
    expect(listed).toContain("store a value");

    const replCalls = () =>
      world.emulator.calls().filter((call) => call.url.endsWith(`/${resource.id}/repl`));
    await request(`${path}/repl`, postForm({ input: "help", readOnly: "true" }));
    expect(replCalls()).toHaveLength(0);
    expect(replOutput(await pageText(path))).toContain("<code>get &lt;key&gt;</code>");

    await request(`${path}/repl`, postForm({ input: "set a 1" }));
    await request(`${path}/repl`, postForm({ input: "get a", readOnly: "true" }));
    const history = (await pageText(path)).split("data-repl-output").slice(1);
    expect(history.map((output) => output.match(/&gt; ([^<]+)<\/code>/)?.[1])).toEqual([
      "get a",
      "set a 1",
      "help",
    ]);
    expect(history[0]).toContain("<p>1</p>");
    expect(history[1]).toContain("<p>OK</p>");
  });

  it("offers no REPL for a product that does not declare one", async () => {
    const { path } = await setup({ emulator: { products: [{ id: "acme-kv" }] } });
    const page = await pageText(path);
    expect(page).not.toContain("<h2>REPL</h2>");
    expect(page).toContain("<h2>Rotate secrets</h2>");
  });
});

describe("emulator console: resource transfers", () => {
  it("creates a claim, verifies and accepts it into a new installation; the partner re-issues the token", async () => {
    const { installation: source, resource, path } = await setup();
    const { emulator, partner } = world;
    const second = await emulator.partner.provision(source.id, {
      productId: "acme-kv",
      name: "sessions",
      metadata: { region: "fra1" },
      billingPlanId: "free",
    });
    const page = await pageText(path);
    // This resource is chosen; the installation's others are offered.
    expect(page).toMatch(new RegExp(`value="${resource.id}" style="min-width:0" checked`));
    expect(page).toMatch(new RegExp(`value="${second.id}" style="min-width:0"\\s+/>`));
    const before = currentToken(resource.id);

    const created = await request(
      `/installations/${source.id}/transfers`,
      postForm({ resourceIds: [resource.id, second.id], expiresInHours: "2" }),
    );
    expect(created.status).toBe(303);
    const transferPath = created.headers.get("location") ?? "";
    const claimId = transferPath.split("/").pop() ?? "";
    expect(await partner.store.transfers.get(claimId)).toMatchObject({
      sourceInstallationId: source.id,
      resourceIds: [resource.id, second.id],
      status: "pending",
    });
    const pending = await pageText(transferPath);
    expect(pending).toContain('<span class="status pending">pending</span>');
    // No other installation yet: claiming means installing a second one.
    expect(pending.match(/<option value="/g)).toHaveLength(1);
    expect(pending).toContain('<option value="new">');

    const verified = await request(`${transferPath}/verify`, postForm({ target: "new" }));
    expect(verified.status).toBe(303);
    const target = new URL(
      verified.headers.get("location") ?? "",
      "http://console",
    ).searchParams.get("target");
    expect(emulator.state.installations.get(target ?? "")?.status).toBe("installed");
    expect(await partner.store.getInstallation(target ?? "")).toBeDefined();
    const verifiedPage = await pageText(verified.headers.get("location") ?? "");
    expect(verifiedPage).toContain('<span class="status verified">verified</span>');
    expect(verifiedPage).toContain(`<option value="${target}" selected>`);

    const accepted = await request(`${transferPath}/accept`, postForm({ target: target ?? "" }));
    expect(accepted.status).toBe(303);
    for (const id of [resource.id, second.id]) {
      expect(emulator.state.resources.get(id)?.installationId).toBe(target);
      expect(await partner.store.getResource(target ?? "", id)).toBeDefined();
      expect(await partner.store.getResource(source.id, id)).toBeUndefined();
    }
    const acceptedPage = await pageText(transferPath);
    expect(acceptedPage).toContain('<span class="status accepted">accepted</span>');
    expect(acceptedPage).not.toContain("<h2>Claim</h2>");
    expect(acceptedPage).toContain(`href="/installations/${target}/resources/${resource.id}"`);
    expect((await request(path)).status).toBe(404);
    const moved = await pageText(`/installations/${target}/resources/${resource.id}`);
    expect(moved).toContain(`<a href="/transfers/${claimId}">`);

    // Acme KV's onTransfer re-issues each store's token for its new owner, through Vercel.
    await partner.jobs.drain();
    expect(vercelCalls()).toEqual(
      expect.arrayContaining([
        `PUT /v1/installations/${target}/resources/${resource.id}/secrets 201`,
        `PUT /v1/installations/${target}/resources/${second.id}/secrets 201`,
      ]),
    );
    const after = currentToken(resource.id);
    expect(after).not.toBe(before);
    expect([await kvStatus(resource.id, after), await kvStatus(resource.id, before)]).toEqual([
      200, 401,
    ]);

    // Vercel's retry of the accept is answered the same; another team is refused.
    expect(
      (await request(`${transferPath}/accept`, postForm({ target: target ?? "" }))).status,
    ).toBe(303);
    const other = await request(`${transferPath}/accept`, postForm({ target: "new" }));
    expect(other.status).toBe(400);
    expect(await other.text()).toContain("Accept Resource Transfer answered 409");
    expect(emulator.state.resources.get(resource.id)?.installationId).toBe(target);
  });

  it("shows the partner's refusal of a claim over no resources", async () => {
    const { installation } = await setup();
    const refused = await request(
      `/installations/${installation.id}/transfers`,
      postForm({ expiresInHours: "1" }),
    );
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("Create Resource Transfer answered 400");
    expect(world.emulator.state.transfers.size).toBe(0);
    expect((await request("/transfers/ptc_unknown")).status).toBe(404);
  });
});
