import { join } from "node:path";
import { serve } from "@hono/node-server";
import type { ConsoleProduct } from "../emulator/console/pages.ts";
import { createEmulator, type Emulator } from "../emulator/emulator.ts";
import { DEV_DIRECTORY, devEnvironment } from "./dev-environment.ts";

export interface EmulatorFlags {
  partnerUrl: string;
  webhookUrl?: string;
  port: number;
  products?: ConsoleProduct[];
  env: Record<string, string | undefined>;
}

export interface RunningEmulator {
  emulator: Emulator;
  url: string;
  webhookUrl: string;
  close(): Promise<void>;
}

/**
 * The emulator on a port, with the client id/secret and signing key of `.partnerkit/` (made once),
 * so a partner configured for `partnerkit dev` trusts it too.
 */
export async function startEmulator(flags: EmulatorFlags): Promise<RunningEmulator> {
  const env = await devEnvironment(flags.env);
  const url = `http://localhost:${flags.port}`;
  const emulator = await createEmulator({
    url,
    partnerUrl: flags.partnerUrl,
    webhookUrl: flags.webhookUrl,
    products: flags.products,
    clientId: env.INTEGRATION_CLIENT_ID ?? "",
    clientSecret: env.INTEGRATION_CLIENT_SECRET ?? "",
    keyFile: join(env.PARTNERKIT_DEV_DIR ?? DEV_DIRECTORY, "emulator-key.json"),
  });
  const server = serve({ fetch: emulator.fetch, port: flags.port });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return {
    emulator,
    url,
    webhookUrl: emulator.webhookUrl,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** What to put in the partner's environment so it trusts this emulator. */
export function partnerConfiguration(running: RunningEmulator): string {
  return [
    `  INTEGRATION_CLIENT_ID=${running.emulator.clientId}`,
    `  INTEGRATION_CLIENT_SECRET=${running.emulator.clientSecret}`,
    `  VERCEL_OIDC_ISSUER=${running.url}`,
    `  VERCEL_OIDC_JWKS_URL=${running.url}/.well-known/jwks`,
    `  VERCEL_API_URL=${running.url}`,
  ].join("\n");
}
