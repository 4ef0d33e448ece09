import pino from "pino";
import { expect } from "vitest";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import {
  createServices,
  frameworkJobHandlers,
  type ServiceOptions,
} from "../../packages/partnerkit/src/core/services.ts";
import {
  checkRunsOf,
  checkRunWebhookPayload,
  type EmulatedCheckRun,
} from "../../packages/partnerkit/src/emulator/vercel-api/routes/checks.ts";
import { JobRunner } from "../../packages/partnerkit/src/jobs/job-runner.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  provisionBody,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
  type TestPartnerOptions,
} from "../support/partner-app.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

const silent = pino({ level: "silent" });

/**
 * A test partner (icfg_1 installed, one Acme KV resource provisioned) whose Vercel is the
 * emulator's API, with that API's check runs at hand: what Vercel would see of each run.
 */
export async function checkWorld(
  options: TestPartnerOptions & { checks?: ServiceOptions["checks"] } = {},
) {
  const vercel = await emulatedVercelApi();
  const { emulator } = vercel;
  const book = checkRunsOf(emulator.vercelApi.store);
  const services: ServiceOptions = {
    vercel: {
      baseUrl: "https://api.vercel.test",
      fetch: vercel.fetch,
      retry: { initialIntervalMs: 1, maxIntervalMs: 5, maxElapsedMs: 200 },
    },
    checks: { cancelPollMs: 20, ...options.checks },
  };
  const partner = await createTestPartner({ ...options, services });
  await install(partner);
  const created = await partner.call("POST", "/v1/installations/icfg_1/resources", {
    body: provisionBody(),
  });
  const resource = await readBody(created, ProvisionResourceResponse);
  vercel.knowResource(resource);

  let sequence = 0;
  const world = {
    partner,
    emulator,
    book,
    resource,
    /** Vercel creates a check run on a deployment and sends `deployment.checkrun.start`. */
    async startRun(
      name = "kv-smoke",
      deploymentId = "dpl_1",
      opts: { withName?: boolean; eventId?: string } = {},
    ): Promise<EmulatedCheckRun> {
      if (!emulator.vercelApi.store.deployment(deploymentId))
        emulator.vercelApi.store.createDeployment({
          id: deploymentId,
          ref: "feature-x",
          sha: "abc",
        });
      const run = book.create({
        deploymentId,
        installationId: "icfg_1",
        resourceId: resource.id,
        name,
      });
      await world.deliver(
        "deployment.checkrun.start",
        world.runPayload(run, opts.withName ?? true),
        opts.eventId,
      );
      return run;
    },
    /** The checkrun webhook's payload for a run, as the emulator sends it. */
    runPayload(run: EmulatedCheckRun, withName = true) {
      const payload = checkRunWebhookPayload(run);
      if (!withName) delete (payload.checkRun as { name?: string }).name;
      return payload;
    },
    /** A signed delivery; answers the HTTP status the partner gave. */
    async deliver(type: string, payload: unknown, eventId?: string): Promise<number> {
      sequence += 1;
      const body = JSON.stringify({
        id: eventId ?? `evt_check_${sequence}`,
        type,
        createdAt: Date.now(),
        payload,
      });
      const response = await partner.app.request("/webhooks", {
        method: "POST",
        headers: { "x-vercel-signature": signWebhookPayload(body, TEST_WEBHOOK_SECRET) },
        body,
      });
      return response.status;
    },
    /** The statuses and conclusions Vercel accepted for a run, in order (repeats marked). */
    updates(run: EmulatedCheckRun): string[] {
      return run.updates.map((update) =>
        [update.status, update.conclusion, update.repeat && "(repeat)"].filter(Boolean).join(" "),
      );
    },
    /** Another instance on the same database: its own services and job runner. */
    otherInstance(): JobRunner {
      const other = createServices(partner.integration, partner.store, services);
      return new JobRunner({
        store: partner.store,
        log: silent,
        handlers: frameworkJobHandlers(other, silent),
        backoff: { baseMs: 1, maxMs: 5 },
      });
    },
  };
  return world;
}

export type CheckWorld = Awaited<ReturnType<typeof checkWorld>>;

/** Waits until `condition` holds, polling; fails the test after `ms`. */
export async function eventually(condition: () => boolean | Promise<boolean>, ms = 5_000) {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) expect.fail("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export type { TestPartner };
