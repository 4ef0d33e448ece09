import { describeMachine, withLoadAtEnd } from "../lib/machine.ts";
import type { BenchSuite } from "../lib/suite.ts";
import { startPartnerkitEnvironment } from "../servers/environment.ts";
import type { BenchCaller } from "../tokens/issuer.ts";
import { measure, measurementFailures, type Workload } from "./measure.ts";
import type { ReportInput } from "./report.ts";
import { startVercelApi } from "./vercel-api.ts";

export interface TurnaroundSuiteOptions {
  id: string;
  title: string;
  caller: BenchCaller;
  workload: Workload;
  /** The integration module the server serves, when not Acme KV. */
  integration?: string;
  /** Checked before anything starts. */
  precondition?: () => void;
  renderText(report: ReportInput): string;
  renderMarkdown(report: ReportInput): string;
}

/**
 * A webhook → final call to Vercel benchmark: a `partnerkit start` server and an emulated Vercel
 * API, each webhook of `workload` timed to the report it leads to.
 */
export function turnaroundSuite(options: TurnaroundSuiteOptions): BenchSuite {
  return {
    id: options.id,
    title: options.title,
    async run({ profileDir }) {
      const machine = describeMachine();
      options.precondition?.();
      const vercel = await startVercelApi();
      try {
        const env = await startPartnerkitEnvironment({
          caller: options.caller,
          vercelApiUrl: vercel.url,
          profileDir,
          integration: options.integration,
        });
        try {
          const measurement = await measure(env, vercel, options.workload);
          const report = { measurement, machine: withLoadAtEnd(machine), finishedAt: new Date() };
          return {
            text: options.renderText(report),
            markdown: options.renderMarkdown(report),
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
}
