import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type CheckRunBook,
  checkRunsOf,
  type EmulatedCheckRun,
} from "../../packages/partnerkit/src/emulator/vercel-api/routes/checks.ts";
import { type CrashWorld, pollUntil, startCrashWorld } from "../support/crash-world.ts";
import { installAndProvision } from "../support/over-http.ts";
import { startPartnerkit } from "../support/server-process.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

const RUNS = 24;

let world: CrashWorld;
let vercel: Awaited<ReturnType<typeof emulatedVercelApi>>;
let book: CheckRunBook;

beforeAll(async () => {
  vercel = await emulatedVercelApi();
  world = await startCrashWorld((request) => vercel.fetch(request));
  book = checkRunsOf(vercel.emulator.vercelApi.store);
});

afterAll(() => world.close());

it("kill -9 in the middle of check runs: a second instance concludes each run exactly once", async () => {
  let server = await startPartnerkit(world.env);
  const { resource } = await installAndProvision(server.url, world.issuer);
  vercel.knowResource(resource);

  const runs: EmulatedCheckRun[] = [];
  for (let index = 0; index < RUNS; index++) {
    const deploymentId = `dpl_${index}`;
    vercel.createDeployment(deploymentId);
    runs.push(
      book.create({
        deploymentId,
        installationId: "icfg_1",
        resourceId: resource.id,
        name: "kv-smoke",
        blocking: true,
      }),
    );
  }
  // Every start is acknowledged (stored durably), then the process dies with runs in flight.
  await Promise.all(
    runs.map(async (run, index) => {
      await world.deliver(server.url, {
        id: `evt_check_crash_${index}`,
        type: "deployment.checkrun.start",
        payload: {
          installationId: "icfg_1",
          deployment: { id: run.deploymentId },
          checkRun: {
            id: run.id,
            checkId: run.checkId,
            name: run.name,
            source: {
              kind: "integration",
              integrationConfigurationId: "icfg_1",
              externalResourceId: resource.id,
            },
          },
        },
      });
    }),
  );
  // A run (an action) reads its deployment from Vercel, held until the kill: it dies mid-work.
  await pollUntil(() => world.reads.size > 0, 20_000, 20);
  // Lets the server take up as many runs as its check pool allows before it dies.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await server.kill("SIGKILL");
  const completions = (run: EmulatedCheckRun) =>
    run.updates.filter((update) => update.status === "completed" && !update.repeat);
  const inFlightAtKill = runs.filter(
    (run) => world.reads.has(run.deploymentId) && completions(run).length === 0,
  );
  expect(inFlightAtKill.length, "runs at work at the kill").toBeGreaterThan(0);
  expect(inFlightAtKill.map((run) => run.status)).toEqual(inFlightAtKill.map(() => "running"));
  world.release();

  // A second instance on the same database (the first is gone) finishes every run.
  server = await startPartnerkit(world.env);
  await pollUntil(() => runs.every((run) => run.status === "completed"), 60_000);
  expect(runs.filter((run) => run.status !== "completed").map((run) => run.id)).toEqual([]);
  // Exactly one conclusion reached Vercel for each run (an identical re-send would be a repeat).
  expect(runs.map((run) => completions(run).map((update) => update.conclusion))).toEqual(
    runs.map(() => ["succeeded"]),
  );
  expect(runs.every((run) => run.updates[0]?.status === "running")).toBe(true);
  await server.stop();
}, 120_000);
