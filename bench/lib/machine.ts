import { availableParallelism, cpus, loadavg, release, totalmem, type } from "node:os";

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  os: string;
  memoryGiB: number;
  /** One-minute load averages when the benchmark began and ended: other work skews results. */
  loadAverage: { start: number; end?: number };
}

export function describeMachine(): MachineInfo {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown CPU",
    node: process.version,
    os: `${type()} ${release()} ${process.arch}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: { start: currentLoad() },
  };
}

export function withLoadAtEnd(machine: MachineInfo): MachineInfo {
  return { ...machine, loadAverage: { ...machine.loadAverage, end: currentLoad() } };
}

export function machineSummary(machine: MachineInfo): string {
  const { start, end } = machine.loadAverage;
  const load = `load average ${start.toFixed(2)} at start${end === undefined ? "" : `, ${end.toFixed(2)} at end`}`;
  return (
    `${machine.cpus} CPUs (nproc) — ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ` +
    `${machine.os}, Node ${machine.node}, ${load}`
  );
}

/**
 * A warning when other processes competed for the CPUs (the benchmark's own processes add about
 * one to the load average): req/s and latency are then unreliable; CPU per request much less so.
 */
export function busyMachineWarning(machine: MachineInfo): string | undefined {
  const highest = Math.max(machine.loadAverage.start, machine.loadAverage.end ?? 0);
  if (highest <= machine.cpus) return undefined;
  return (
    `Warning: the machine was busy (load average up to ${highest.toFixed(2)} on ${machine.cpus} ` +
    "CPUs): req/s and latency are depressed and noisy; CPU ms per request is steadier."
  );
}

function currentLoad(): number {
  return loadavg()[0] ?? 0;
}
