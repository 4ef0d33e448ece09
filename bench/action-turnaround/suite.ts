import type { BenchCaller } from "../tokens/issuer.ts";
import { ACTION_WORKLOAD } from "./measure.ts";
import { renderMarkdown, renderText } from "./report.ts";
import { assertSdkAcceptsDeployment } from "./sdk-check.ts";
import { turnaroundSuite } from "./turnaround-suite.ts";

const CALLER: BenchCaller = {
  installationId: "icfg_bench_actions",
  accountId: "acct_bench_actions",
  userId: "user_bench_actions",
};

/** Deployment action start webhooks, each timed to its final status at an emulated Vercel API. */
export const actionTurnaround = turnaroundSuite({
  id: "action-turnaround",
  title: "Action turnaround",
  caller: CALLER,
  workload: ACTION_WORKLOAD,
  precondition: assertSdkAcceptsDeployment,
  renderText,
  renderMarkdown,
});
