import { type ServerType, serve } from "@hono/node-server";
import type { Logger } from "pino";
import { createVercelKeySet } from "./auth/key-set.ts";
import { verifyVercelToken } from "./auth/verify-token.ts";
import type { ServerConfig } from "./config.ts";
import { startBillingSchedule } from "./core/billing/schedule.ts";
import { startPruning } from "./core/maintenance.ts";
import { createServices, frameworkJobHandlers } from "./core/services.ts";
import { acmeKvDataPlane } from "./demo/acme-kv/data-plane.ts";
import { acmeKvIntegration } from "./demo/acme-kv/integration.ts";
import { KvStore } from "./demo/acme-kv/kv-store.ts";
import { createPartnerApp } from "./http/app.ts";
import { JobRunner } from "./jobs/job-runner.ts";
import { openDatabase } from "./store/database.ts";
import { createStore, migrateStore } from "./store/kysely-store.ts";
import { SecretBox } from "./store/secret-box.ts";

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Wires the bundled Acme KV integration to a database and serves it over HTTP. */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const database = openDatabase(config.databaseUrl);
  await migrateStore(database);
  const kv = new KvStore(database);
  await kv.migrate();
  const store = createStore(database, SecretBox.fromEnv(config.encryptionKey));
  const keys = createVercelKeySet(config.jwksUrl);
  const integration = acmeKvIntegration({ kv, publicUrl: config.publicUrl });
  const services = createServices(integration, store, {
    vercel: { baseUrl: config.vercelApiUrl },
    billing: { invoiceTest: config.invoiceTest },
    client: { id: config.clientIds[0], secret: config.clientSecret },
  });
  const jobs = new JobRunner({
    store,
    log: logger,
    handlers: frameworkJobHandlers(services, logger),
  });
  const app = createPartnerApp({
    integration,
    store,
    services,
    webhooks: { secrets: [config.clientSecret], onEnqueued: () => jobs.kick() },
    logger,
    verifyToken: (token, authHeader) =>
      verifyVercelToken(token, {
        keys,
        issuer: config.oidcIssuer,
        audience: config.clientIds,
        authHeader,
      }),
    extraRoutes: acmeKvDataPlane(kv, services.billing.meter),
  });
  const stopPruning = startPruning(store, logger);
  jobs.start();
  const stopBilling = startBillingSchedule(
    services.billing,
    config.billingIntervalSeconds,
    logger,
    () => jobs.kick(),
  );
  const server = await listen(app.fetch, config.port);
  logger.info({ port: config.port, engine: database.engine }, "partnerkit listening");
  return {
    url: `http://localhost:${config.port}`,
    async close() {
      stopPruning();
      stopBilling();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await jobs.stop();
      await database.close();
    },
  };
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port }, () => resolve(server));
    server.once("error", reject);
  });
}
