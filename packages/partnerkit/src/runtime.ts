import { type ServerType, serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { JWTVerifyGetKey } from "jose";
import type { Logger } from "pino";
import { createVercelKeySet } from "./auth/key-set.ts";
import { verifyVercelToken } from "./auth/verify-token.ts";
import { DEFAULT_ISSUER, type ServerConfig } from "./config.ts";
import { startBillingSchedule } from "./core/billing/schedule.ts";
import type { Integration } from "./core/define-integration.ts";
import { pruneStore, startPruning } from "./core/maintenance.ts";
import {
  createServices,
  FRAMEWORK_JOB_CONCURRENCY,
  frameworkJobHandlers,
  type Services,
} from "./core/services.ts";
import { createPartnerApp } from "./http/app.ts";
import type { AppEnv } from "./http/env.ts";
import { healthRoutes, type Readiness } from "./http/health.ts";
import { webhookHandoff } from "./http/routes/webhooks.ts";
import { JobRunner } from "./jobs/job-runner.ts";
import { createLogger } from "./logger.ts";
import { partnerPages } from "./sso/partner-pages.ts";
import { type Database, openDatabase } from "./store/database.ts";
import { createStore, migrateStore } from "./store/kysely-store.ts";
import { SecretBox } from "./store/secret-box.ts";
import type { Store } from "./store/store.ts";
import type { VercelClientOptions } from "./vercel/vercel-client.ts";

/** What an integration factory receives: the database it may keep its own tables in. */
export interface IntegrationSetup {
  database: Database;
  /** `PUBLIC_URL`: where this server is reachable, e.g. for data-plane URLs handed out as secrets. */
  publicUrl: string;
  log: Logger;
}

/**
 * An integration, or a function that builds one once the database is open (to run its own
 * migrations, or to keep state next to Partnerkit's). A module's default export is either.
 */
export type IntegrationSource = Integration | IntegrationFactory;

export type IntegrationFactory = (setup: IntegrationSetup) => Integration | Promise<Integration>;

export type PartnerkitOptions = Partial<Omit<ServerConfig, "port">> &
  Pick<ServerConfig, "clientIds" | "clientSecret" | "encryptionKey"> & {
    integration: IntegrationSource;
    /** pino logger; one at `LOG_LEVEL` (default `info`) when absent. */
    logger?: Logger;
    /** The Marketplace's signing keys; fetched from `jwksUrl` when absent (tests pass an emulator's). */
    keys?: JWTVerifyGetKey;
    /** How calls to Vercel's API are made: `fetch` replaces the network, e.g. with an in-process emulator. */
    vercel?: Pick<VercelClientOptions, "fetch" | "retry" | "timeoutMs">;
  };

export interface TickResult {
  /** Jobs run to completion (succeeded or failed) during the tick. */
  jobs: number;
}

/** The parts wired together, for tests and tools that reach below the HTTP surface. */
export interface PartnerkitInternals {
  integration: Integration;
  database: Database;
  store: Store;
  services: Services;
  jobs: JobRunner;
  app: Hono<AppEnv>;
}

export interface Partnerkit {
  /**
   * The Web-standard handler: Partner API, webhooks, the integration's own routes, `/healthz`
   * and `/readyz`. Usable as a Vercel Function, with `@hono/node-server`, or in tests. `env` is
   * the host's bindings (the Node request under `@hono/node-server`), handed to the app as is.
   */
  fetch(request: Request, env?: unknown): Promise<Response>;
  /** Resolves once migrations ran and the integration is built; rejects if that failed. */
  ready(): Promise<PartnerkitInternals>;
  /** Long-running process: job workers, the billing schedule and pruning. */
  start(): Promise<void>;
  /** `start()`, then serves `fetch` on `port`; resolves with the listening URL. */
  listen(port: number): Promise<string>;
  /**
   * One bounded round of due work without resident workers (a serverless cron route):
   * enqueues the billing of the current interval, prunes, and runs queued jobs until none is left
   * or `maxMs` has passed; what is left waits for the next tick.
   */
  tick(options?: { maxMs?: number }): Promise<TickResult>;
  /** Stops intake and schedules, waits for running jobs (aborted after the grace), closes the database. */
  stop(): Promise<void>;
}

/** `PUBLIC_URL` when none is given, as `loadConfig` derives it for the default port. */
const DEFAULT_PUBLIC_URL = "http://localhost:3000";
const DEFAULT_TICK_MS = 10_000;

/**
 * Wires an integration to its database, Vercel and a job runner. Returns at once: migrations
 * run in the background (`/readyz` answers 503 until they are done) and Partner API requests
 * wait for them.
 */
export function createPartnerkit(options: PartnerkitOptions): Partnerkit {
  const logger = options.logger ?? createLogger();
  const database = openDatabase(options.databaseUrl, {
    backgroundCheckpoints: {
      onFailure: (error) =>
        logger.warn({ err: error }, "SQLite checkpoints run on the server's thread again"),
    },
  });
  const readiness: Readiness = { migrated: false, database };
  const issuer = (options.oidcIssuer ?? DEFAULT_ISSUER).replace(/\/$/, "");
  const publicUrl = options.publicUrl ?? DEFAULT_PUBLIC_URL;
  const billingIntervalSeconds = options.billingIntervalSeconds ?? 3600;

  const health = healthRoutes(readiness);
  let built: PartnerkitInternals | undefined;
  const setup = (async (): Promise<PartnerkitInternals> => {
    await migrateStore(database);
    const integration =
      typeof options.integration === "function"
        ? await options.integration({ database, publicUrl, log: logger })
        : options.integration;
    const store = createStore(database, SecretBox.fromEnv(options.encryptionKey));
    const keys =
      options.keys ?? createVercelKeySet(options.jwksUrl ?? `${issuer}/.well-known/jwks`);
    const devClock = options.devBillingClockFile
      ? await import("./cli/dev-billing-clock.ts").then(async (dev) => ({
          dev,
          clock: await dev.fileBillingClock(options.devBillingClockFile ?? ""),
        }))
      : undefined;
    const services = createServices(integration, store, {
      vercel: { ...options.vercel, baseUrl: options.vercelApiUrl },
      billing: { invoiceTest: options.invoiceTest, now: devClock?.clock.now },
      client: { id: options.clientIds[0] ?? "", secret: options.clientSecret },
    });
    const jobs = new JobRunner({
      store,
      log: logger,
      handlers: frameworkJobHandlers(services, logger),
      concurrency: FRAMEWORK_JOB_CONCURRENCY,
    });
    const verifyToken = (token: string, authHeader: string | undefined) =>
      verifyVercelToken(token, { keys, issuer, audience: options.clientIds, authHeader });
    const app = createPartnerApp({
      integration,
      store,
      services,
      webhooks: {
        secrets: [options.clientSecret],
        handoff: webhookHandoff(database.engine, jobs),
      },
      logger,
      verifyToken,
      healthRoutes: health,
      publicUrl: options.publicUrl,
      referencePage: options.dev === true,
      extraRoutes: integration.routes?.({
        meter: services.billing.meter,
        contextFor: services.contextFor,
        log: logger,
      }),
    });
    // SSO sign-in and the default dashboard: browser pages beside the Partner API (docs/sso.md).
    app.route(
      "/",
      partnerPages({
        integration,
        store,
        services,
        billingNow: devClock?.clock.now,
        publicUrl,
        ssoPath: options.ssoPath,
        encryptionKey: options.encryptionKey,
        exchange: {
          apiUrl: options.vercelApiUrl ?? "https://api.vercel.com",
          clientId: options.clientIds[0] ?? "",
          clientSecret: options.clientSecret,
          fetch: options.vercel?.fetch,
        },
        idToken: { keys, issuer, audience: options.clientIds },
        log: logger,
      }),
    );
    if (devClock) {
      app.route(
        "/",
        devClock.dev.devBillingRoutes({
          clock: devClock.clock,
          billing: services.billing,
          verify: verifyToken,
          intervalSeconds: billingIntervalSeconds,
        }),
      );
    }
    readiness.migrated = true;
    const internals = { integration, database, store, services, jobs, app };
    built = internals;
    return internals;
  })();
  // Failures surface through ready(), /readyz and each request; never as an unhandled rejection.
  setup.catch((error: unknown) => {
    readiness.failure = error;
    logger.error({ err: error }, "partnerkit could not start");
  });

  const stoppers: (() => void)[] = [];
  let server: ServerType | undefined;
  let started = false;

  const partnerkit: Partnerkit = {
    async fetch(request, env) {
      if (built) return built.app.fetch(request, env);
      // Until setup is done only the probes answer at once; other requests wait for it.
      const probe = await health.fetch(request);
      if (probe.status !== 404) return probe;
      try {
        return (await setup).app.fetch(request, env);
      } catch {
        return Response.json(
          { error: { code: "not_ready", message: "The server is not ready; try again shortly" } },
          { status: 503, headers: { "retry-after": "5" } },
        );
      }
    },
    ready: () => setup,
    async start() {
      if (started) return;
      started = true;
      const { store, services, jobs } = await setup;
      jobs.start();
      stoppers.push(
        startPruning(store, logger),
        startBillingSchedule(services.billing, billingIntervalSeconds, logger),
      );
    },
    async listen(port) {
      // Listening first lets `/readyz` say "migrating" while setup runs.
      server = await listenOn(partnerkit.fetch, port);
      try {
        await partnerkit.start();
      } catch (error) {
        await partnerkit.stop();
        throw error;
      }
      logger.info({ port, engine: database.engine }, "partnerkit listening");
      return `http://localhost:${port}`;
    },
    async tick({ maxMs = DEFAULT_TICK_MS } = {}) {
      const deadline = Date.now() + maxMs;
      const { store, services, jobs } = await setup;
      await services.billing.schedule(billingIntervalSeconds);
      await pruneStore(store);
      return { jobs: await jobs.drain(deadline) };
    },
    async stop() {
      for (const stop of stoppers.splice(0)) stop();
      if (server) {
        const closing = server;
        server = undefined;
        await new Promise<void>((resolve) => closing.close(() => resolve()));
      }
      const internals = await setup.catch(() => undefined);
      await internals?.jobs.stop();
      await database.close();
    },
  };
  return partnerkit;
}

/**
 * Applies Partnerkit's migrations, then builds the integration once when it is a factory (which
 * runs its own), and closes the database: `partnerkit migrate`.
 */
export async function migrateIntegration(options: {
  databaseUrl?: string;
  integration?: IntegrationSource;
  publicUrl?: string;
  logger?: Logger;
}): Promise<void> {
  const database = openDatabase(options.databaseUrl);
  try {
    await migrateStore(database);
    if (typeof options.integration === "function") {
      await options.integration({
        database,
        publicUrl: options.publicUrl ?? DEFAULT_PUBLIC_URL,
        log: options.logger ?? createLogger(),
      });
    }
  } finally {
    await database.close();
  }
}

function listenOn(
  fetch: (request: Request, env: unknown) => Promise<Response>,
  port: number,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port }, () => resolve(server));
    server.once("error", reject);
  });
}
