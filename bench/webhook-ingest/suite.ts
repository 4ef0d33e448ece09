import { describeMachine, withLoadAtEnd } from "../lib/machine.ts";
import type { BenchSuite } from "../lib/suite.ts";
import { startEnvironment } from "./environment.ts";
import { measure, measurementFailures } from "./measure.ts";
import { renderMarkdown, renderText } from "./report.ts";

/** Signed webhook deliveries posted as fast as our server accepts them, against a ceiling. */
export const webhookIngest: BenchSuite = {
  id: "webhook-ingest",
  title: "Webhook ingest",
  async run(options) {
    const machine = describeMachine();
    const env = await startEnvironment(options);
    try {
      const measurement = await measure(env, options);
      const input = {
        measurement,
        options,
        machine: withLoadAtEnd(machine),
        finishedAt: new Date(),
      };
      return {
        text: renderText(input),
        markdown: renderMarkdown(input),
        failures: measurementFailures(measurement),
      };
    } finally {
      await env.close();
    }
  },
};
