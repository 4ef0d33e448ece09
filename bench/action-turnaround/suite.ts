import { describeMachine, withLoadAtEnd } from "../lib/machine.ts";
import type { BenchSuite } from "../lib/suite.ts";
import { startPartnerkitEnvironment } from "../servers/environment.ts";
import type { BenchCaller } from "../tokens/issuer.ts";
import { ACTION_WORKLOAD, measure, measurementFailures } from "./measure.ts";
import { renderMarkdown, renderText } from "./report.ts";
import { assertSdkAcceptsDeployment } from "./sdk-check.ts";
import { startVercelApi } from "./vercel-api.ts";

const CALLER: BenchCaller = {
  installationId: "icfg_bench_actions",
  accountId: "acct_bench_actions",
  userId: "user_bench_actions",
};

/** Deployment action start webhooks, each timed to its final status at an emulated Vercel API. */
export const actionTurnaround: BenchSuite = {
  id: "action-turnaround",
  title: "Action turnaround",
  async run(options) {
    const machine = describeMachine();
    assertSdkAcceptsDeployment();
    const vercel = await startVercelApi();
    try {
      const env = await startPartnerkitEnvironment({
        caller: CALLER,
        vercelApiUrl: vercel.url,
        profileDir: options.profileDir,
      });
      try {
        const measurement = await measure(env, vercel, ACTION_WORKLOAD);
        const input = { measurement, machine: withLoadAtEnd(machine), finishedAt: new Date() };
        return {
          text: renderText(input),
          markdown: renderMarkdown(input),
          failures: measurementFailures(measurement),
        };
      } finally {
        await env.close();
      }
    } finally {
      await vercel.close();
    }
  },
};
