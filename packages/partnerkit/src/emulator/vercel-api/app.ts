import { Hono } from "hono";
import type { CallRecorder } from "../recorder.ts";
import type { EmulatorState } from "../state.ts";
import type { VercelApiDeps, VercelApiEnv, Warn } from "./context.ts";
import { handleApiError } from "./errors.ts";
import { FaultPlan } from "./faults.ts";
import { injectFaults } from "./inject-faults.ts";
import { inspectorRoutes } from "./inspector.ts";
import { recordCalls } from "./record.ts";
import { billingRoutes } from "./routes/billing.ts";
import { checkRoutes } from "./routes/checks.ts";
import { credentialRoutes } from "./routes/credentials.ts";
import { deploymentRoutes } from "./routes/deployments.ts";
import { experimentationRoutes } from "./routes/experimentation.ts";
import { installationRoutes } from "./routes/installation.ts";
import { invoiceRoutes } from "./routes/invoices.ts";
import { resourceRoutes } from "./routes/resources.ts";
import { ssoRoutes } from "./routes/sso.ts";
import { VercelApiState } from "./store.ts";

export interface VercelApiOptions {
  state: EmulatorState;
  recorder: CallRecorder;
  /** Scenario faults; a fresh, empty plan when omitted. */
  faults?: FaultPlan;
  /** What Vercel keeps of the calls; a fresh store when omitted. */
  store?: VercelApiState;
  onEvent?: VercelApiDeps["onEvent"];
  onActionReport?: VercelApiDeps["onActionReport"];
  client?: VercelApiDeps["client"];
  /** Hears what a partner should fix although its call was accepted, e.g. unknown body fields. */
  warn?: Warn;
}

/**
 * The Vercel REST API a partner calls (spec §5), under its real paths, answering with exactly the
 * statuses `@vercel/sdk` expects (ecosystem §2.1, §2.3): point the SDK's `serverURL` at the
 * emulator. Every call is recorded and may be delayed or failed by the fault plan.
 */
export function vercelApiRoutes(options: VercelApiOptions) {
  const faults = options.faults ?? new FaultPlan();
  const store = options.store ?? new VercelApiState();
  const deps: VercelApiDeps = {
    state: options.state,
    store,
    onEvent: options.onEvent,
    onActionReport: options.onActionReport,
    client: options.client,
  };

  const app = new Hono<VercelApiEnv>();
  app.onError(handleApiError);
  app.route("/", inspectorRoutes({ store, recorder: options.recorder, faults }));
  for (const prefix of [
    "/v1/installations/*",
    "/v1/deployments/*",
    "/v2/deployments/*",
    "/v13/deployments/*",
  ]) {
    app.use(
      prefix,
      recordCalls(options.recorder, options.warn ?? (() => {})),
      injectFaults(faults, (path) => resourceAgeMs(options.state, path)),
    );
  }
  app.route("/", installationRoutes(deps));
  app.route("/", credentialRoutes(deps));
  app.route("/", resourceRoutes(deps));
  app.route("/", billingRoutes(deps));
  app.route("/", invoiceRoutes(deps));
  app.route("/", deploymentRoutes(deps));
  app.route("/", checkRoutes(deps));
  app.route("/", experimentationRoutes(deps));
  app.route("/", ssoRoutes(deps));
  // Unknown Vercel paths are recorded too: a typo in a partner's path shows up in the timeline.
  app.all("/v1/installations/*", notFound);
  app.all("/v1/deployments/*", notFound);
  app.all("/v2/deployments/*", notFound);
  app.all("/v13/deployments/*", notFound);

  return { app, store, faults };
}

/**
 * How long ago Vercel set up the resource a path names: provisioned it, or made its Edge Config
 * when syncing was turned on later.
 */
function resourceAgeMs(state: EmulatorState, path: string): number | undefined {
  const id = /\/resources\/([^/]+)/.exec(path)?.[1];
  const resource = id === undefined ? undefined : state.resources.get(id);
  const setUpAt = Math.max(resource?.provisionedAt ?? 0, resource?.edgeConfig?.createdAt ?? 0);
  return setUpAt === 0 ? undefined : Date.now() - setUpAt;
}

function notFound(): Response {
  return Response.json(
    { error: { code: "not_found", message: "No such endpoint" } },
    { status: 404 },
  );
}
