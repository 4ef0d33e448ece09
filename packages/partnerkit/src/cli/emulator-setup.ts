import { serve } from "@hono/node-server";
import type { ConsoleProduct } from "../emulator/console/pages.ts";
import { createEmulator, type Emulator, type EmulatorOptions } from "../emulator/emulator.ts";
import { devEnvironment, devPath } from "./dev-environment.ts";
import { emulatorStateFile } from "./dev-reset.ts";

export interface EmulatorFlags {
  partnerUrl: string;
  webhookUrl?: string;
  port: number;
  products?: ConsoleProduct[];
  env: Record<string, string | undefined>;
  /** false: a throwaway Marketplace (conformance's) that must not touch `.partnerkit/`'s state. */
  keepState?: boolean;
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
    ...devEmulatorOptions(env),
    ...(flags.keepState === false && { stateFile: undefined }),
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
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await emulator.close();
    },
  };
}

/**
 * What every emulator of `dev` and `emulator` gets: the signing key and the Marketplace's state of
 * `.partnerkit/`, kept between runs, and its warnings on stderr.
 */
export function devEmulatorOptions(
  env: Record<string, string | undefined>,
): Pick<EmulatorOptions, "keyFile" | "stateFile" | "warn"> {
  return {
    keyFile: devPath(env, "emulator-key.json"),
    stateFile: emulatorStateFile(env),
    warn: (message) => process.stderr.write(`emulator: ${message}\n`),
  };
}

/** What to put in the partner's environment so it trusts this emulator. */
export function partnerConfiguration(running: Pick<RunningEmulator, "emulator" | "url">): string {
  return [
    `  INTEGRATION_CLIENT_ID=${running.emulator.clientId}`,
    `  INTEGRATION_CLIENT_SECRET=${running.emulator.clientSecret}`,
    `  VERCEL_OIDC_ISSUER=${running.url}`,
    `  VERCEL_OIDC_JWKS_URL=${running.url}/.well-known/jwks`,
    `  VERCEL_API_URL=${running.url}`,
  ].join("\n");
}
