import { randomBytes } from "node:crypto";
import { type ServerType, serve } from "@hono/node-server";
import type { Kysely } from "kysely";
import { createEmulator, type Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { openDatabase } from "../../packages/partnerkit/src/store/database.ts";
import {
  createPostgresSchema,
  freePort,
  killAllPartnerkits,
} from "../../test/support/server-process.ts";
import { HOOK_WORK_ENV } from "./hook-journal.ts";
import { Instance } from "./instances.ts";
import { PartnerLink } from "./partner-link.ts";
import type { Random } from "./random.ts";
import { RoundRobinProxy } from "./round-robin-proxy.ts";
import type { ChaosTables } from "./stored-state.ts";
import { VercelFronts } from "./vercel-fronts.ts";

export interface TopologyOptions {
  instances: number;
  /** A PostgreSQL database; the run works in a throwaway schema of it. */
  databaseUrl: string;
  /** Each provider hook works a random time up to this long, so that kills land inside hooks. */
  hookWorkMs: number;
  /** The share of webhook deliveries Vercel sends twice. */
  redeliveryRatio: number;
  /** Where each server process's output is kept. */
  logDirectory: string;
}

/** Everything a run acts through and observes; `close()` takes it all down, schema included. */
export interface Topology {
  emulator: Emulator;
  link: PartnerLink;
  fronts: VercelFronts;
  instances: Instance[];
  proxy: RoundRobinProxy;
  /** The shared schema, for the harness's own reads. */
  db: Kysely<ChaosTables>;
  close(): Promise<void>;
}

const CLIENT_ID = "oac_chaos";
const MODULE = "bench/chaos/journaled-acme-kv.ts";
/** Vercel retries a Partner API call for this long: past an idempotency lease (60 s). */
const RETRY_FOR_MS = 150_000;

/**
 * The emulator as Vercel (in this process), a throwaway PostgreSQL schema, the instances (not
 * started yet) each with its own front to Vercel's API, and the round-robin proxy before them.
 */
export async function buildTopology(options: TopologyOptions, random: Random): Promise<Topology> {
  const database = await createPostgresSchema(options.databaseUrl);
  const closers: (() => Promise<unknown>)[] = [() => database.drop()];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const emulatorUrl = `http://127.0.0.1:${await freePort()}`;
    const proxyPort = await freePort();
    const proxyUrl = `http://127.0.0.1:${proxyPort}`;
    const clientSecret = `chaos_${randomBytes(16).toString("hex")}`;
    const link = new PartnerLink({
      redeliveryRatio: options.redeliveryRatio,
      retryForMs: RETRY_FOR_MS,
      random,
    });
    const emulator = await createEmulator({
      url: emulatorUrl,
      partnerUrl: proxyUrl,
      clientId: CLIENT_ID,
      clientSecret,
      partnerFetch: link.fetch,
      webhookRetry: { attempts: 8, baseDelayMs: 250, maxDelayMs: 2_000 },
    });
    const emulatorServer = serve({
      fetch: emulator.app.fetch,
      port: Number(new URL(emulatorUrl).port),
      hostname: "127.0.0.1",
    });
    closers.push(() => closeServer(emulatorServer));

    const instances: Instance[] = [];
    const fronts = new VercelFronts(
      async (request) => emulator.app.fetch(request),
      (index) => instances[index]?.current?.generation ?? 0,
    );
    closers.push(() => fronts.close());
    const shared = {
      INTEGRATION_CLIENT_ID: CLIENT_ID,
      INTEGRATION_CLIENT_SECRET: clientSecret,
      PARTNERKIT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      VERCEL_OIDC_ISSUER: emulatorUrl,
      VERCEL_OIDC_JWKS_URL: `${emulatorUrl}/.well-known/jwks`,
      PUBLIC_URL: proxyUrl,
      DATABASE_URL: database.url,
      // Info: a failed check is explained by what the servers said about that event.
      LOG_LEVEL: "info",
      PARTNERKIT_INTEGRATION: MODULE,
      [HOOK_WORK_ENV]: String(options.hookWorkMs),
    };
    for (let index = 0; index < options.instances; index++) {
      const env = { ...shared, VERCEL_API_URL: fronts.listen(index, await freePort()) };
      instances.push(new Instance(index, await freePort(), env, options.logDirectory));
    }
    closers.push(killAllPartnerkits);
    const proxy = new RoundRobinProxy(
      instances.map((instance) => ({
        instance: instance.index,
        port: instance.port,
        generation: () => instance.current?.generation ?? 0,
      })),
    );
    await proxy.listen(proxyPort);
    closers.push(() => proxy.close());
    const store = openDatabase(database.url);
    closers.push(() => store.close());
    const db = store.kysely.withTables<ChaosTables>();
    return { emulator, link, fronts, instances, proxy, db, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const closeServer = (server: ServerType) =>
  new Promise<void>((resolve) => server.close(() => resolve()));
