import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import {
  VercelApiError,
  VercelClient,
} from "../../packages/partnerkit/src/vercel/vercel-client.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

describe("VercelApiError in the logs", () => {
  it("is one line when Vercel answered (a 401 for a token it does not know), not a stack", async () => {
    const vercel = await emulatedVercelApi();
    const lines: string[] = [];
    const log = pino(
      { level: "info" },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const client = new VercelClient({
      baseUrl: "https://api.vercel.test",
      accessToken: "vat_forgotten",
      installationId: "icfg_1",
      log,
      fetch: vercel.fetch,
    });
    const error = await client.finalizeInstallation().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(VercelApiError);
    expect(error).toMatchObject({ status: 401 });

    // As the job runner logs a failed attempt.
    log.warn({ err: error }, "job failed, will retry");
    const logged = JSON.parse(lines.at(-1) ?? "{}");
    expect(logged.err).toMatchObject({ status: 401, type: "VercelApiError" });
    expect(logged.err.stack).not.toContain("\n");
  });

  it("keeps its stack when the call could not be made at all", () => {
    expect(new VercelApiError("unreachable", undefined).stack).toContain("\n    at ");
  });
});
