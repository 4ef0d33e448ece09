import { measure, measurementFailures } from "../action-turnaround/measure.ts";
import { startVercelApi } from "../action-turnaround/vercel-api.ts";
import { describeMachine, withLoadAtEnd } from "../lib/machine.ts";
import type { BenchSuite } from "../lib/suite.ts";
import { startPartnerkitEnvironment } from "../servers/environment.ts";
import type { BenchCaller } from "../tokens/issuer.ts";
import { renderMarkdown, renderText } from "./report.ts";
import { CHECK_WORKLOAD, NOOP_CHECK_INTEGRATION } from "./workload.ts";

const CALLER: BenchCaller = {
  installationId: "icfg_bench_checks",
  accountId: "acct_bench_checks",
  userId: "user_bench_checks",
};

/** Check run start webhooks of a no-op check, each timed to its conclusion at an emulated Vercel API. */
export const checkTurnaround: BenchSuite = {
  id: "check-turnaround",
  title: "Check turnaround",
  async run(options) {
    const machine = describeMachine();
    const vercel = await startVercelApi();
    try {
      const env = await startPartnerkitEnvironment({
        caller: CALLER,
        vercelApiUrl: vercel.url,
        profileDir: options.profileDir,
        integration: NOOP_CHECK_INTEGRATION,
      });
      try {
        const measurement = await measure(env, vercel, CHECK_WORKLOAD);
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
