import { afterAll, beforeAll, expect, it } from "vitest";
import { type CrashWorld, pollUntil, startCrashWorld } from "../support/crash-world.ts";
import { installAndProvision } from "../support/over-http.ts";
import { startPartnerkit } from "../support/server-process.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

const ACTIONS = 40;

let world: CrashWorld;
let vercel: Awaited<ReturnType<typeof emulatedVercelApi>>;

beforeAll(async () => {
  vercel = await emulatedVercelApi();
  world = await startCrashWorld((request) => vercel.fetch(request));
});

afterAll(() => world.close());

it("kill -9 in the middle of deployment actions: after a restart every action reports, none is lost", async () => {
  let server = await startPartnerkit(world.env);
  const { resource } = await installAndProvision(server.url, world.issuer);
  const resourceId = resource.id;
  vercel.knowResource(resource);
  for (let index = 0; index < ACTIONS; index++) vercel.createDeployment(`dpl_${index}`);

  // Every start is acknowledged (stored durably), then the process dies with work in flight.
  await Promise.all(
    Array.from({ length: ACTIONS }, async (_, index) => {
      await world.deliver(server.url, {
        id: `evt_crash_${index}`,
        type: "deployment.integration.action.start",
        payload: {
          installationId: "icfg_1",
          resourceId,
          action: "branch",
          deployment: { id: `dpl_${index}` },
        },
      });
    }),
  );
  // An action starts by reading its deployment, held until the kill: it dies mid-work.
  await pollUntil(() => world.reads.size > 0, 20_000, 20);
  // Lets the server take up as many actions as its pool allows before it dies.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await server.kill("SIGKILL");
  const finalReports = () =>
    vercel.actions().map((record) => ({
      deploymentId: record.deploymentId,
      finals: record.reports.filter((report) => report.status !== "running"),
    }));
  const reportedBeforeKill = finalReports().filter((action) => action.finals.length > 0).length;
  const reported = new Set(
    finalReports()
      .filter((action) => action.finals.length > 0)
      .map((action) => action.deploymentId),
  );
  const inFlightAtKill = [...world.reads].filter((deployment) => !reported.has(deployment));
  expect(inFlightAtKill.length, "actions started but not reported at the kill").toBeGreaterThan(0);
  world.release();

  server = await startPartnerkit(world.env);
  await pollUntil(
    () => finalReports().filter((action) => action.finals.length > 0).length >= ACTIONS,
    45_000,
  );
  const actions = finalReports();
  expect(
    actions.filter((action) => action.finals.length > 0).length,
    `reported before the kill: ${reportedBeforeKill}, in flight at the kill: ${inFlightAtKill.length}`,
  ).toBe(ACTIONS);
  expect(
    actions.flatMap((action) => action.finals).every((report) => report.status === "succeeded"),
  ).toBe(true);
  // A report is re-sent only if the process died between Vercel's 202 and recording it: at
  // most the handful of runs in flight at the kill, never a whole batch.
  const doubled = actions.filter((action) => action.finals.length > 1).length;
  expect(doubled).toBeLessThanOrEqual(8);
  await server.stop();
}, 90_000);
