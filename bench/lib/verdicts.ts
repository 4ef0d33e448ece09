import type { Table } from "./table.ts";

/** One target of a benchmark, and how the run measured up to it. */
export interface Verdict {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
}

export function verdictsTable(verdicts: readonly Verdict[]): Table {
  return {
    headers: ["target", "goal", "measured", "result"],
    rows: verdicts.map((v) => [v.name, v.goal, v.measured, v.met ? "met" : "MISSED"]),
    align: ["left", "left", "right", "left"],
  };
}

export function targetsLine(verdicts: readonly Verdict[]): string {
  return verdicts.every((v) => v.met) ? "Targets: all met." : "Targets: NOT all met.";
}
