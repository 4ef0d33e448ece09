import { loadFailures } from "../lib/load-failures.ts";
import { describeMachine, withLoadAtEnd } from "../lib/machine.ts";
import type { BenchSuite } from "../lib/suite.ts";
import { actionFailures } from "./actions.ts";
import { startScaleEnvironment } from "./environment.ts";
import { measure } from "./measure.ts";
import { renderMarkdown, renderText } from "./report.ts";

/** Reads and action starts on PostgreSQL holding 1,000,000 resources of 100,000 installations. */
export const scale: BenchSuite = {
  id: "scale",
  title: "Scale",
  async run(options) {
    const machine = describeMachine();
    const env = await startScaleEnvironment(options);
    try {
      const measurement = await measure(env, options);
      const input = {
        measurement,
        dataset: env.dataset,
        startMs: env.startMs,
        options,
        machine: withLoadAtEnd(machine),
        finishedAt: new Date(),
      };
      return {
        text: renderText(input),
        markdown: renderMarkdown(input),
        failures: [
          ...measurement.reads.flatMap((read) =>
            loadFailures(`scale, ${read.operation}`, read.run),
          ),
          ...actionFailures(measurement.actions),
        ],
      };
    } finally {
      await env.close();
    }
  },
};
