import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { acmeKvPlans } from "../../examples/acme-kv/src/plans.ts";
import type { CheckDefinition } from "../../packages/partnerkit/src/core/checks-types.ts";
import {
  defineIntegration,
  defineProduct,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { type CheckWorld, checkWorld, eventually } from "./check-world.ts";

let world: CheckWorld;
afterEach(() => world.partner.close());

type Check = CheckDefinition<Record<string, unknown>>;

function withChecks(checks: Record<string, Check>) {
  return () =>
    defineIntegration({
      products: [
        defineProduct({
          id: "acme-kv",
          metadata: z.object({ region: z.string() }),
          plans: acmeKvPlans,
          provision: async () => ({ secrets: [] }),
          checks,
        }),
      ],
    });
}

/** A check that records its runs and waits until released or aborted. */
function heldCheck() {
  const seen: string[] = [];
  let release: () => void = () => undefined;
  const check: Check = {
    async run(ctx) {
      seen.push("started");
      await new Promise<void>((resolve) => {
        release = resolve;
        ctx.signal.addEventListener("abort", () => resolve());
      });
      seen.push(ctx.signal.aborted ? "saw abort" : "finished");
      return { conclusion: "succeeded" };
    },
  };
  return { check, seen, release: () => release() };
}

const rows = (deploymentId = "dpl_1") => world.partner.store.checkRuns.ofDeployment(deploymentId);

describe("deployment checks (spec §8, v2 check runs)", () => {
  it("runs Acme KV's kv-smoke on the deployment's branch: running, then one completed succeeded", async () => {
    world = await checkWorld();
    const run = await world.startRun("kv-smoke");
    await world.partner.jobs.drain();

    expect(world.updates(run)).toEqual(["running", "completed succeeded"]);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ namespace: `${world.resource.id}--dpl_1` });
    const [row] = await rows();
    expect(row).toMatchObject({ status: "completed", conclusion: "succeeded", reported: true });
    // The smoke key does not stay behind in the branch.
    expect(await world.partner.kv.keys(`${world.resource.id}--dpl_1`)).toEqual([]);
  });

  it("reads the run's name from Vercel when the webhook does not carry it", async () => {
    world = await checkWorld();
    const run = await world.startRun("kv-smoke", "dpl_1", { withName: false });
    await world.partner.jobs.drain();
    expect(world.updates(run)).toEqual(["running", "completed succeeded"]);
  });

  it("reports failed with the check's text, output and sso: link", async () => {
    world = await checkWorld({
      integration: withChecks({
        "kv-smoke": {
          run: async () => ({
            conclusion: "failed",
            conclusionText: "GET returned 500",
            output: { status: 500 },
            externalUrl: "sso:https://acme.test/checks/1",
          }),
        },
      }),
    });
    const run = await world.startRun();
    await world.partner.jobs.drain();
    expect(world.updates(run)).toEqual(["running", "completed failed"]);
    expect(run).toMatchObject({
      conclusionText: "GET returned 500",
      output: { status: 500 },
      externalUrl: "sso:https://acme.test/checks/1",
    });
  });

  it("concludes failed, without internals, when the check throws", async () => {
    world = await checkWorld({
      integration: withChecks({
        "kv-smoke": {
          run: async () => {
            throw new Error("connection string postgres://secret@db");
          },
        },
      }),
    });
    const run = await world.startRun();
    await world.partner.jobs.drain();
    expect(world.updates(run)).toEqual(["running", "completed failed"]);
    expect(run.conclusionText).toBe("The check failed");
  });

  it("concludes skipped for a check the product does not declare", async () => {
    world = await checkWorld();
    const run = await world.startRun("unknown-check");
    await world.partner.jobs.drain();
    expect(world.updates(run)).toEqual(["completed skipped"]);
  });

  it("treats redelivered starts as no-ops, while running and after: one run, one conclusion", async () => {
    const held = heldCheck();
    world = await checkWorld({ integration: withChecks({ "kv-smoke": held.check }) });
    const run = await world.startRun();
    const first = world.partner.jobs.drain();
    await eventually(() => held.seen.length === 1);
    // Vercel sends the same start again under another delivery id while the first runs.
    expect(await world.deliver("deployment.checkrun.start", world.runPayload(run))).toBe(200);
    await world.otherInstance().drain();
    held.release();
    await first;
    expect(await world.deliver("deployment.checkrun.start", world.runPayload(run))).toBe(200);
    await world.partner.jobs.drain();

    expect(held.seen).toEqual(["started", "finished"]);
    expect(world.updates(run)).toEqual(["running", "completed succeeded"]);
    expect(await rows()).toHaveLength(1);
  });

  it("re-sends the stored conclusion, without running again, when reporting it failed", async () => {
    let runs = 0;
    world = await checkWorld({
      integration: withChecks({
        "kv-smoke": {
          run: async () => {
            runs += 1;
            // From here on Vercel answers the check run's updates 503 for a while.
            world.emulator.vercelApi.faults.add({
              method: "PATCH",
              path: "/check-runs/",
              status: 503,
              times: 60,
            });
            return { conclusion: "neutral" };
          },
        },
      }),
    });
    const run = await world.startRun();
    await world.partner.jobs.drain();
    await eventually(async () => {
      await world.partner.jobs.drain();
      return run.status === "completed";
    });
    expect(runs).toBe(1);
    expect(world.updates(run).filter((update) => update.startsWith("completed"))).toEqual([
      "completed neutral",
    ]);
  });

  it("cancel aborts the check's signal (on another instance too) and concludes canceled once", async () => {
    const held = heldCheck();
    world = await checkWorld({ integration: withChecks({ "kv-smoke": held.check }) });
    const run = await world.startRun();
    const working = world.partner.jobs.drain();
    await eventually(() => held.seen.length === 1);

    // Vercel cancels; the cancel is processed by another instance, which shares only the database.
    world.book.cancel(run.id);
    expect(await world.deliver("deployment.checkrun.cancel", world.runPayload(run))).toBe(200);
    await world.otherInstance().drain();
    await working;

    expect(held.seen).toEqual(["started", "saw abort"]);
    expect(world.updates(run)).toEqual(["running", "completed canceled (repeat)"]);
    expect(run.conclusion).toBe("canceled");
    const [row] = await rows();
    expect(row).toMatchObject({ conclusion: "canceled", reported: true });
  });

  it("a cancel before the start makes the late start a no-op", async () => {
    let runs = 0;
    world = await checkWorld({
      integration: withChecks({
        "kv-smoke": {
          run: async () => {
            runs += 1;
            return { conclusion: "succeeded" };
          },
        },
      }),
    });
    world.emulator.vercelApi.store.createDeployment({ id: "dpl_1" });
    const run = world.book.create({
      deploymentId: "dpl_1",
      installationId: "icfg_1",
      resourceId: world.resource.id,
      name: "kv-smoke",
    });
    await world.deliver("deployment.checkrun.cancel", world.runPayload(run));
    await world.partner.jobs.drain();
    await world.deliver("deployment.checkrun.start", world.runPayload(run));
    await world.partner.jobs.drain();
    expect(runs).toBe(0);
    expect(world.updates(run)).toEqual(["completed canceled"]);
  });

  it("deployment.canceled concludes the deployment's open runs canceled", async () => {
    const held = heldCheck();
    world = await checkWorld({ integration: withChecks({ "kv-smoke": held.check }) });
    const run = await world.startRun();
    const working = world.partner.jobs.drain();
    await eventually(() => held.seen.length === 1);
    await world.deliver("deployment.canceled", { deployment: { id: "dpl_1" } });
    await world.otherInstance().drain();
    await working;
    expect(held.seen).toEqual(["started", "saw abort"]);
    expect(world.updates(run)).toEqual(["running", "completed canceled"]);
  });

  it("concludes timeout when the check outlives its timeoutMs, and aborts its signal", async () => {
    let aborted = false;
    world = await checkWorld({
      integration: withChecks({
        "kv-smoke": {
          timeoutMs: 50,
          run: (ctx) =>
            new Promise((resolve) => {
              ctx.signal.addEventListener("abort", () => {
                aborted = true;
                resolve({ conclusion: "succeeded" });
              });
            }),
        },
      }),
    });
    const run = await world.startRun();
    await world.partner.jobs.drain();
    expect(aborted).toBe(true);
    expect(world.updates(run)).toEqual(["running", "completed timeout"]);
  });

  it("a rerequest runs the check again on the same run: a fresh attempt, one conclusion each", async () => {
    const verdicts: ("failed" | "succeeded")[] = ["failed", "succeeded"];
    const attempts: number[] = [];
    world = await checkWorld({
      integration: withChecks({
        "kv-smoke": {
          run: async (_ctx, { check }) => {
            attempts.push(check.attempt);
            return { conclusion: verdicts.shift() ?? "neutral" };
          },
        },
      }),
    });
    const run = await world.startRun();
    await world.partner.jobs.drain();
    const rerequest = { deployment: { id: "dpl_1" }, check: { id: run.checkId } };
    expect(await world.deliver("deployment.check-rerequested", rerequest, "evt_rerun")).toBe(200);
    await world.partner.jobs.drain();
    // The same delivery again (Vercel's retry) is deduplicated at intake.
    expect(await world.deliver("deployment.check-rerequested", rerequest, "evt_rerun")).toBe(200);
    await world.partner.jobs.drain();

    expect(attempts).toEqual([1, 2]);
    expect(world.updates(run)).toEqual([
      "running",
      "completed failed",
      "running",
      "completed succeeded",
    ]);
    expect((await rows()).map((row) => [row.attempt, row.conclusion])).toEqual([
      [1, "failed"],
      [2, "succeeded"],
    ]);
  });

  it("refuses bad check payloads without a 5xx, and Vercel hears nothing", async () => {
    world = await checkWorld();
    const bad = [
      { type: "deployment.checkrun.start", payload: { installationId: "icfg_1" } },
      { type: "deployment.checkrun.start", payload: { checkRun: { id: "" } } },
      { type: "deployment.checkrun.cancel", payload: { checkRun: { id: "x" } } },
      { type: "deployment.check-rerequested", payload: { deployment: {} } },
    ];
    for (const { type, payload } of bad) {
      const status = await world.deliver(type, payload);
      expect(status).toBeLessThan(500);
    }
    const notJson = await world.partner.app.request("/webhooks", {
      method: "POST",
      headers: { "x-vercel-signature": "0".repeat(40) },
      body: "{",
    });
    expect(notJson.status).toBeLessThan(500);
    await world.partner.jobs.drain();
    expect(await rows()).toEqual([]);
    expect(world.emulator.calls({ direction: "partner→vercel" })).toEqual([]);
  });
});
