import { describeMachine, withLoadAtEnd } from "../lib/machine.ts";
import type { BenchSuite } from "../lib/suite.ts";
import { measure } from "./measure.ts";
import { renderMarkdown, renderText } from "./report.ts";

/** Spawn → first 200 from /healthz and /readyz, and the RSS of the process, over many starts. */
export const coldStart: BenchSuite = {
  id: "cold-start",
  title: "Cold start",
  async run(options) {
    const machine = describeMachine();
    const measurement = await measure(options);
    const input = { measurement, machine: withLoadAtEnd(machine), finishedAt: new Date() };
    // A server that does not start throws; a slow one only misses its target.
    return { text: renderText(input), markdown: renderMarkdown(input), failures: [] };
  },
};
