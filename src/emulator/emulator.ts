import { Hono } from "hono";
import type { ConsoleProduct } from "./console/pages.ts";
import { consoleRoutes } from "./console/routes.ts";
import { MarketplaceIssuer } from "./issuer.ts";
import { type Fetch, PartnerClient } from "./partner-client.ts";
import { type CallFilter, CallRecorder, type RecordedCall } from "./recorder.ts";
import { EmulatorState } from "./state.ts";
import { vercelApiRoutes } from "./vercel-api/app.ts";
import type { FaultPlan } from "./vercel-api/faults.ts";
import type { VercelApiState } from "./vercel-api/store.ts";

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
  /** What the partner sent to Vercel's API, and the faults to inject into it. */
  vercelApi: { store: VercelApiState; faults: FaultPlan };
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
  // Vercel's REST API (spec §5): the partner's VERCEL_API_URL points here.
  const vercelApi = vercelApiRoutes({
    state,
    recorder,
    client: { id: options.clientId, secret: options.clientSecret },
    onEvent: (installationId, event) =>
      event.type === "resource.updated"
        ? partner.refreshResource(installationId, event.resourceId)
        : undefined,
  });
  app.route("/", vercelApi.app);
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
    vercelApi: { store: vercelApi.store, faults: vercelApi.faults },
    clientId: options.clientId,
    clientSecret: options.clientSecret,
  };
}
