import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "pino";
import type { Integration } from "../core/define-integration.ts";
import { PartnerError } from "../core/partner-error.ts";
import { createServices, type Services } from "../core/services.ts";
import type { Store } from "../store/store.ts";
import type { AppEnv } from "./env.ts";
import { handleError, handleNotFound, sendError } from "./error-response.ts";
import { type IdempotencyOptions, idempotency } from "./idempotency.ts";
import { requestLogger } from "./request-logger.ts";
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

// Reading a GET's body stream just to limit it made the Node adapter build a full Request.
const BODILESS = new Set(["GET", "HEAD", "OPTIONS"]);

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
  app.use(requestLogger(options.logger));
  const limitBody = bodyLimit({
    maxSize: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
    onError: (c) => {
      // The unread rest of the body is not drained, so this connection cannot be reused.
      c.header("Connection", "close");
      return sendError(
        c,
        new PartnerError(413, "payload_too_large", "Request body is larger than allowed"),
      );
    },
  });
  app.use((c, next) => (BODILESS.has(c.req.method) ? next() : limitBody(c, next)));
  app.route("/", installationRoutes(routeOptions));
  app.route("/", resourceRoutes(routeOptions));
  app.route("/", planRoutes(routeOptions));
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
  "installations" | "resources" | "rotations" | "repl" | "transfers"
> & {
  verify: TokenVerifier;
  idempotent: ReturnType<typeof idempotency>;
  integration: Integration;
};
