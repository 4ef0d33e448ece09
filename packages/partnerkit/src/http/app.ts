import { Hono } from "hono";
import type { Logger } from "pino";
import type { Integration } from "../core/define-integration.ts";
import { createServices, type Services } from "../core/services.ts";
import type { OpenApiDocument } from "../protocol/openapi-document.ts";
import type { Store } from "../store/store.ts";
import { limitBody } from "./body-limit.ts";
import type { AppEnv } from "./env.ts";
import { handleError, handleNotFound } from "./error-response.ts";
import { type IdempotencyOptions, idempotency } from "./idempotency.ts";
import { partnerApiOpenApi } from "./openapi.ts";
import { referencePage } from "./reference-page.ts";
import { type GuardsFor, registerRoutes } from "./register-routes.ts";
import { requestLogger } from "./request-logger.ts";
import type { RouteOptions } from "./route-deps.ts";
import { partnerApiRoutes } from "./route-table.ts";
import { openApiDocumentRoute } from "./routes/openapi-document.ts";
import { type JobHandoff, webhookIntake, webhookRoute } from "./routes/webhooks.ts";
import { type TokenVerifier, vercelAuth } from "./vercel-auth.ts";
import { webhookSignature } from "./webhook-signature.ts";

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
  healthRoutes?: Hono<AppEnv>;
  /** The provider's own routes (a data plane, a dashboard), served behind the same error handling. */
  extraRoutes?: Hono;
  webhooks?: {
    /** Where Vercel delivers webhooks ("Webhook URL" in the console); `/webhooks` by default. */
    path?: string;
    /** The client secret, or several while rotating it. */
    secrets: readonly string[];
    onEnqueued?: () => void;
    /**
     * The job runner of this process: a delivery's job starts in one of its free slots as soon as
     * it is stored, without waiting for a claim.
     */
    handoff?: JobHandoff;
  };
  /** `PUBLIC_URL`, named as the server in `/openapi.json`. */
  publicUrl?: string;
  /** Serve `/docs`, a reference page of `/openapi.json` (`partnerkit dev` turns it on). */
  referencePage?: boolean;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The Partner API as a Hono app: `app.fetch` is a Web `fetch` handler for any runtime. */
export function createPartnerApp(options: PartnerAppOptions): Hono<AppEnv> {
  const services = options.services ?? createServices(options.integration, options.store);
  const idempotent = idempotency(options.store, options.idempotency);
  const routeOptions: RouteOptions = {
    ...services,
    verify: options.verifyToken,
    idempotent,
    integration: options.integration,
  };
  const webhooksPath = options.webhooks ? (options.webhooks.path ?? "/webhooks") : false;
  let document: OpenApiDocument | undefined;
  const documentSource = {
    document: () =>
      (document ??= partnerApiOpenApi({
        webhooksPath,
        probes: options.healthRoutes !== undefined,
        publicUrl: options.publicUrl,
      })),
  };
  const guards: GuardsFor = (route) => [
    ...(route.auth.kind === "vercel" ? [vercelAuth(options.verifyToken, route.auth)] : []),
    // No secrets refuses every delivery (`no_secret`), never lets one through unchecked.
    ...(route.auth.kind === "webhook-signature"
      ? [webhookSignature(options.webhooks?.secrets ?? [])]
      : []),
    ...(route.idempotent ? [idempotent] : []),
  ];

  const app = new Hono<AppEnv>();
  if (options.healthRoutes) app.route("/", options.healthRoutes);
  app.use(requestLogger(options.logger));
  app.use(limitBody(options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT));
  registerRoutes(app, partnerApiRoutes, routeOptions, guards);
  if (options.webhooks && webhooksPath) {
    const { onEnqueued, handoff } = options.webhooks;
    // The handoff's jobs run these services' processor, which looks for their deliveries here.
    const { heldDeliveries } = services;
    const intake = webhookIntake(options.store, { onEnqueued, handoff, heldDeliveries });
    registerRoutes(app, [webhookRoute(webhooksPath)], intake, guards);
  }
  registerRoutes(app, [openApiDocumentRoute], documentSource);
  // A page for people, not part of the API, so the document leaves it out.
  if (options.referencePage) {
    app.get("/docs", (c) => c.html(referencePage(documentSource.document())));
  }
  if (options.extraRoutes) app.route("/", options.extraRoutes);
  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}
