import { describeMachine, withLoadAtEnd } from "../lib/machine.ts";
import type { BenchSuite } from "../lib/suite.ts";
import { startEnvironment } from "./environment.ts";
import { measure, measurementFailures } from "./measure.ts";
import { renderMarkdown, renderText } from "./report.ts";

/** Authenticated `GET` of a resource on our server against a verification-only ceiling. */
export const partnerApiRead: BenchSuite = {
  id: "partner-api-read",
  title: "Partner API read",
  async run(options) {
    const machine = describeMachine();
    const env = await startEnvironment(options);
    try {
      const measurement = await measure(env, options);
      const input = {
        measurement,
        options,
        machine: withLoadAtEnd(machine),
        jwksFetches: env.jwks.fetches,
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
