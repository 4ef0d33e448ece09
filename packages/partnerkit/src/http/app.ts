import { Hono } from "hono";
import type { Logger } from "pino";
import type { Integration } from "../core/define-integration.ts";
import { createServices, type Services } from "../core/services.ts";
import type { Store } from "../store/store.ts";
import { limitBody } from "./body-limit.ts";
import type { AppEnv } from "./env.ts";
import { handleError, handleNotFound } from "./error-response.ts";
import { type IdempotencyOptions, idempotency } from "./idempotency.ts";
import { requestLogger } from "./request-logger.ts";
import { billingRoutes } from "./routes/billing.ts";
import { installationRoutes } from "./routes/installations.ts";
import { planRoutes } from "./routes/plans.ts";
import { resourceOperationRoutes } from "./routes/resource-operations.ts";
import { resourceRoutes } from "./routes/resources.ts";
import { transferRoutes } from "./routes/transfers.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import type { TokenVerifier } from "./vercel-auth.ts";

export interface PartnerAppOptions {
  integration: Integration;
  store: Store;
  /** Services shared with a job runner; built from `integration` and `store` when absent. */
  services?: Services;
  verifyToken: TokenVerifier;
  logger: Logger;
  /** Largest accepted request body in bytes; larger ones get a 413. */
  bodyLimitBytes?: number;
  idempotency?: IdempotencyOptions;
  /** Probes (`/healthz`, `/readyz`): answered before request logging and body limits. */
  healthRoutes?: Hono;
  /** The provider's own routes (a data plane, a dashboard), served behind the same error handling. */
  extraRoutes?: Hono;
  webhooks?: {
    /** Where Vercel delivers webhooks ("Webhook URL" in the console); `/webhooks` by default. */
    path?: string;
    /** The client secret, or several while rotating it. */
    secrets: readonly string[];
    onEnqueued?: () => void;
  };
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The Partner API as a Hono app: `app.fetch` is a Web `fetch` handler for any runtime. */
export function createPartnerApp(options: PartnerAppOptions): Hono<AppEnv> {
  const services = options.services ?? createServices(options.integration, options.store);
  const routeOptions: RouteOptions = {
    ...services,
    verify: options.verifyToken,
    idempotent: idempotency(options.store, options.idempotency),
    integration: options.integration,
  };

  const app = new Hono<AppEnv>();
  if (options.healthRoutes) app.route("/", options.healthRoutes);
  app.use(requestLogger(options.logger));
  app.use(limitBody(options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT));
  app.route("/", installationRoutes(routeOptions));
  app.route("/", resourceRoutes(routeOptions));
  app.route("/", planRoutes(routeOptions));
  app.route("/", billingRoutes(routeOptions));
  app.route("/", resourceOperationRoutes(routeOptions));
  app.route("/", transferRoutes(routeOptions));
  if (options.webhooks) {
    app.route(
      "/",
      webhookRoutes({
        path: options.webhooks.path ?? "/webhooks",
        store: options.store,
        secrets: options.webhooks.secrets,
        onEnqueued: options.webhooks.onEnqueued,
      }),
    );
  }
  if (options.extraRoutes) app.route("/", options.extraRoutes);
  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}

export type RouteOptions = Pick<
  Services,
  "installations" | "resources" | "billing" | "rotations" | "repl" | "transfers"
> & {
  verify: TokenVerifier;
  idempotent: ReturnType<typeof idempotency>;
  integration: Integration;
};
