import { describeMachine, withLoadAtEnd } from "../lib/machine.ts";
import type { BenchSuite } from "../lib/suite.ts";
import { startEnvironment } from "./environment.ts";
import { type Measurement, measure, measurementFailures } from "./measure.ts";
import { measureOnPostgres, postgresFailures } from "./postgres.ts";
import { renderMarkdown, renderText } from "./report.ts";

/**
 * Signed webhook deliveries posted as fast as our server accepts them, against a ceiling, while
 * its job queue processes them; then the same on PostgreSQL with one and three instances.
 */
export const webhookIngest: BenchSuite = {
  id: "webhook-ingest",
  title: "Webhook ingest",
  async run(options) {
    const machine = describeMachine();
    let measurement: Measurement;
    const env = await startEnvironment(options);
    try {
      measurement = await measure(env, options);
    } finally {
      await env.close();
    }
    const postgres = await measureOnPostgres(options);
    const input = {
      measurement,
      postgres,
      options,
      machine: withLoadAtEnd(machine),
      finishedAt: new Date(),
    };
    return {
      text: renderText(input),
      markdown: renderMarkdown(input),
      failures: [...measurementFailures(measurement), ...postgresFailures(postgres)],
    };
  },
};
