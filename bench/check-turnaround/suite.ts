import { turnaroundSuite } from "../action-turnaround/turnaround-suite.ts";
import type { BenchCaller } from "../tokens/issuer.ts";
import { renderMarkdown, renderText } from "./report.ts";
import { CHECK_WORKLOAD, NOOP_CHECK_INTEGRATION } from "./workload.ts";

const CALLER: BenchCaller = {
  installationId: "icfg_bench_checks",
  accountId: "acct_bench_checks",
  userId: "user_bench_checks",
};

/** Check run start webhooks of a no-op check, each timed to its conclusion at an emulated Vercel API. */
export const checkTurnaround = turnaroundSuite({
  id: "check-turnaround",
  title: "Check turnaround",
  caller: CALLER,
  workload: CHECK_WORKLOAD,
  integration: NOOP_CHECK_INTEGRATION,
  renderText,
  renderMarkdown,
});
