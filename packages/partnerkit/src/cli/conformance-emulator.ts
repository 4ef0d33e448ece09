import { createEmulator, type Emulator } from "../emulator/emulator.ts";
import { MarketplaceIssuer } from "../emulator/issuer.ts";
import { readDevEmulator } from "./dev-emulator-record.ts";
import { devEnvironment, devPath } from "./dev-environment.ts";
import { startEmulator } from "./emulator-setup.ts";
import { installThrough } from "./running-emulator-install.ts";

type Env = Record<string, string | undefined>;

export interface ConformanceEmulatorOptions {
  partnerUrl: string;
  webhookUrl?: string;
  /** An emulator already running (e.g. `partnerkit dev`'s); found on its own when omitted. */
  emulatorUrl?: string;
  /** Start an emulator of our own on this port instead of looking for a running one. */
  port?: number;
  env: Env;
}

export interface ConformanceEmulator {
  emulator: Emulator;
  url: string;
  /** Whether the emulator the partner reports to lives in this process (the action and billing checks need it). */
  inProcess: boolean;
  /** The integration module the running `partnerkit dev` serves, when that is the emulator used. */
  integration?: string;
  /** The webhook URL `partnerkit dev` wired its emulator to, when that is the emulator used. */
  webhookUrl?: string;
  /** How installations are made when the emulator runs elsewhere: it must know them. */
  install?: (installationId: string) => Promise<{ accountId: string }>;
  close(): Promise<void>;
}

export class EmulatorUnavailable extends Error {
  override readonly name = "EmulatorUnavailable";
}

/**
 * The emulator the checks speak as. A running one (`--emulator-url`, `partnerkit dev`'s record in
 * `.partnerkit/`, one on EMULATOR_PORT, or the one holding `--port`) is used when it signs with
 * this project's key, so the partner it already configured trusts the checks' tokens; otherwise
 * one is started.
 */
export async function conformanceEmulator(
  options: ConformanceEmulatorOptions,
): Promise<ConformanceEmulator> {
  const env = await devEnvironment(options.env);
  const keyFile = devPath(env, "emulator-key.json");
  const ourKey = (await MarketplaceIssuer.create({ issuer: "", audience: "", keyFile })).publicJwk;
  const record = await readDevEmulator(env);
  const attach = async (url: string) => {
    const issuer = await issuerSigningWith(url, ourKey.n);
    if (!issuer) return undefined;
    const emulator = await createEmulator({
      url: issuer,
      partnerUrl: options.partnerUrl,
      webhookUrl: options.webhookUrl,
      clientId: env.INTEGRATION_CLIENT_ID ?? "",
      clientSecret: env.INTEGRATION_CLIENT_SECRET ?? "",
      keyFile,
    });
    const fromDev = record?.url === url;
    return {
      emulator,
      url,
      inProcess: false,
      integration: fromDev ? record.integration : undefined,
      webhookUrl: fromDev ? emulator.webhookUrl : undefined,
      install: installThrough(url, emulator),
      close: async () => {},
    };
  };

  if (options.emulatorUrl) {
    const attached = await attach(options.emulatorUrl);
    if (attached) return attached;
    throw new EmulatorUnavailable(
      `${options.emulatorUrl} is not an emulator signing with this project's key (${keyFile})`,
    );
  }
  const defaultPort = Number(env.EMULATOR_PORT || 3100);
  if (options.port === undefined) {
    const running =
      (record && (await attach(record.url))) ?? (await attach(`http://localhost:${defaultPort}`));
    if (running) return running;
  }
  const port = options.port ?? defaultPort;
  try {
    const { emulator, url, close } = await startEmulator({
      ...options,
      port,
      env: options.env,
      keepState: false,
    });
    return { emulator, url, close, inProcess: true };
  } catch (error) {
    if ((error as { code?: unknown }).code !== "EADDRINUSE") throw error;
    const occupant = await attach(`http://localhost:${port}`);
    if (occupant) return occupant;
    throw new EmulatorUnavailable(
      `port ${port} is taken by something that is not an emulator with this project's key; pass a free --port, or --emulator-url`,
    );
  }
}

/**
 * The issuer of the emulator at `url` when it serves the public half of our key, else undefined.
 * Tokens signed here then verify at the partner exactly as the running emulator's do.
 */
async function issuerSigningWith(
  url: string,
  modulus: string | undefined,
): Promise<string | undefined> {
  const discovery = await fetchJson(`${url.replace(/\/$/, "")}/.well-known/openid-configuration`);
  const issuer = (discovery as { issuer?: unknown } | undefined)?.issuer;
  const jwksUri = (discovery as { jwks_uri?: unknown } | undefined)?.jwks_uri;
  if (typeof issuer !== "string" || typeof jwksUri !== "string") return undefined;
  const jwks = (await fetchJson(jwksUri)) as { keys?: { n?: unknown }[] } | undefined;
  return modulus && jwks?.keys?.some((key) => key.n === modulus) ? issuer : undefined;
}

async function fetchJson(url: string): Promise<unknown> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}
