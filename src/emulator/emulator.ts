import { Hono } from "hono";
import type { ConsoleProduct } from "./console/pages.ts";
import { consoleRoutes } from "./console/routes.ts";
import { MarketplaceIssuer } from "./issuer.ts";
import { type Fetch, PartnerClient } from "./partner-client.ts";
import { type CallFilter, CallRecorder, type RecordedCall } from "./recorder.ts";
import { EmulatorState } from "./state.ts";

export interface EmulatorOptions {
  /** The emulator's own base URL: the token issuer and the JWKS live under it. */
  url: string;
  /** Where the partner server is (its Base URL). */
  partnerUrl: string;
  clientId: string;
  clientSecret: string;
  /** Keeps the signing key between runs. */
  keyFile?: string;
  /** Reaches the partner without a socket, e.g. a partner app's `fetch`. */
  partnerFetch?: Fetch;
  /** Products offered in the console, with their metadata form as JSON Schema. */
  products?: ConsoleProduct[];
}

export interface Emulator {
  /** The emulator as a Web fetch handler: issuer, inspector and console. */
  app: Hono;
  fetch: (request: Request) => Response | Promise<Response>;
  issuer: MarketplaceIssuer;
  state: EmulatorState;
  partner: PartnerClient;
  calls(filter?: CallFilter): RecordedCall[];
  clientId: string;
  clientSecret: string;
}

/** A fake Vercel Marketplace that talks to the partner only over HTTP. */
export async function createEmulator(options: EmulatorOptions): Promise<Emulator> {
  const url = options.url.replace(/\/$/, "");
  const issuer = await MarketplaceIssuer.create({
    issuer: url,
    audience: options.clientId,
    keyFile: options.keyFile,
  });
  const state = new EmulatorState();
  const recorder = new CallRecorder();
  const partner = new PartnerClient({
    partnerUrl: options.partnerUrl,
    issuer,
    state,
    recorder,
    fetch: options.partnerFetch,
  });

  const app = new Hono();
  app.get("/.well-known/openid-configuration", (c) => c.json(issuer.openidConfiguration()));
  app.get("/.well-known/jwks", (c) => c.json(issuer.jwks()));
  app.get("/__emulator/calls", (c) =>
    c.json({ calls: recorder.list({ installationId: c.req.query("installationId") }) }),
  );
  app.route(
    "/",
    consoleRoutes({
      partner,
      state,
      recorder,
      products: options.products ?? [],
      partnerUrl: options.partnerUrl,
    }),
  );

  return {
    app,
    fetch: app.fetch,
    issuer,
    state,
    partner,
    calls: (filter) => recorder.list(filter),
    clientId: options.clientId,
    clientSecret: options.clientSecret,
  };
}
