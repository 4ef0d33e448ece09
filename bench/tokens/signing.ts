import type { Cleanups } from "../lib/cleanups.ts";
import { BenchIssuer } from "./issuer.ts";
import { startJwksServer } from "./jwks-server.ts";

/** A token issuer and the JWKS endpoint that publishes its key, closed with `cleanups`. */
export async function startSigning(cleanups: Cleanups) {
  const issuer = await BenchIssuer.create();
  const jwks = await startJwksServer(issuer.jwks);
  cleanups.add(() => jwks.close());
  return { issuer, jwks };
}
