import { loadFailures } from "../lib/load-failures.ts";
import { describeMachine, withLoadAtEnd } from "../lib/machine.ts";
import type { BenchSuite } from "../lib/suite.ts";
import { startEnvironment } from "./environment.ts";
import { measure, measurementFailures } from "./measure.ts";
import { measureMixes } from "./mix.ts";
import { renderMarkdown, renderText } from "./report.ts";

/**
 * Authenticated `GET` of a resource on our server: its best case against a verification-only
 * ceiling, then a realistic mix of reads and writes on SQLite and PostgreSQL.
 */
export const partnerApiRead: BenchSuite = {
  id: "partner-api-read",
  title: "Partner API read",
  async run(options) {
    const machine = describeMachine();
    const env = await startEnvironment(options);
    let measurement: Awaited<ReturnType<typeof measure>>;
    try {
      measurement = await measure(env, options);
    } finally {
      await env.close();
    }
    const mixes = await measureMixes(options);
    const input = {
      measurement,
      mixes,
      options,
      machine: withLoadAtEnd(machine),
      jwksFetches: env.jwks.fetches,
      finishedAt: new Date(),
    };
    return {
      text: renderText(input),
      markdown: renderMarkdown(input),
      failures: [
        ...measurementFailures(measurement),
        ...mixes.flatMap((mix) => loadFailures(`mix, ${mix.config.name}`, mix.run)),
      ],
    };
  },
};
