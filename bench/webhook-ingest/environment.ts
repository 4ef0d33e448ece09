import { startVercelApi } from "../action-turnaround/vercel-api.ts";
import { progress } from "../lib/progress.ts";
import { startWebhookCeiling } from "../servers/ceiling.ts";
import type { ChildServer } from "../servers/child-server.ts";
import { type PartnerkitEnvironment, startPartnerkitEnvironment } from "../servers/environment.ts";
import { WEBHOOK_PATH } from "../servers/webhook-delivery.ts";
import type { BenchCaller } from "../tokens/issuer.ts";
import { buildDeliveries, deliveryFeed } from "./deliveries.ts";

const CALLER: BenchCaller = {
  installationId: "icfg_bench_ingest",
  accountId: "acct_bench_ingest",
  userId: "user_bench_ingest",
};

/** Our server with an installation the deliveries are about, and the webhook ceiling. */
export interface IngestEnvironment extends PartnerkitEnvironment {
  ceiling: ChildServer;
}

/**
 * The emulated Vercel API answers the usage report that the billing schedule sends soon after
 * start: without it that job would retry against the real API, and the queue would never drain.
 */
export async function startEnvironment(options: {
  profileDir?: string;
}): Promise<IngestEnvironment> {
  const vercel = await startVercelApi();
  let env: PartnerkitEnvironment | undefined;
  try {
    env = await startPartnerkitEnvironment({
      caller: CALLER,
      vercelApiUrl: vercel.url,
      profileDir: options.profileDir,
    });
    const body = await answerToOneDelivery(env);
    const ceiling = await startWebhookCeiling({ body });
    env.defer(() => ceiling.stop());
    progress(`webhook ceiling serving at ${ceiling.url} (pid ${ceiling.pid})`);
    const ours = env;
    return {
      ...ours,
      ceiling,
      async close() {
        await ours.close();
        await vercel.close();
      },
    };
  } catch (error) {
    await env?.close();
    await vercel.close();
    throw error;
  }
}

/** What our server answers a fresh delivery, so the ceiling can send the same bytes. */
async function answerToOneDelivery(env: PartnerkitEnvironment): Promise<string> {
  const part = deliveryFeed(buildDeliveries(1, "probe", env.seeded.installationId)).take();
  const response = await fetch(new URL(WEBHOOK_PATH, env.ours.url), {
    method: "POST",
    headers: part?.headers,
    body: part?.body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`A signed delivery was answered ${response.status}: ${text}`);
  return text;
}
