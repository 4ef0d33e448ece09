import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { BenchError } from "../lib/errors.ts";
import { REPO_ROOT } from "../lib/paths.ts";

export interface ChildServerOptions {
  name: string;
  /** The entry file: JavaScript runs on plain Node, TypeScript with `node --import tsx`. */
  entry: string;
  args?: string[];
  /** Extra flags for `node` itself, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  env: Record<string, string>;
  port: number;
  startTimeoutMs?: number;
}

export interface ChildServer {
  name: string;
  url: string;
  pid: number;
  /** Lines the server has written to stdout and stderr so far (with a JSON logger: log records). */
  readonly outputLines: number;
  /** The last few KiB of that output, e.g. to show what a failing server said. */
  outputTail(): string;
  stop(): Promise<void>;
}

const OUTPUT_TAIL_CHARS = 4096;
const STOP_GRACE_MS = 5_000;

/**
 * Runs a server in its own Node process, so the load generator's CPU never shares its event loop,
 * and resolves once it answers HTTP on `port`. The child is killed if this process exits first.
 */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...(options.entry.endsWith(".ts") ? ["--import", "tsx"] : []),
      options.entry,
      ...(options.args ?? []),
    ],
    { cwd: REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  let outputLines = 0;
  const keepTail = (chunk: Buffer) => {
    const text = chunk.toString();
    for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) outputLines += 1;
    output = (output + text).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on("data", keepTail);
  child.stderr?.on("data", keepTail);
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    await stopChild(child);
    process.off("exit", killOnExit);
  };

  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitUntilServing(child, url, options.startTimeoutMs ?? 20_000);
  } catch (error) {
    await stop();
    throw new BenchError(`${options.name} did not start: ${(error as Error).message}\n${output}`);
  }
  return {
    name: options.name,
    url,
    pid: child.pid ?? 0,
    get outputLines() {
      return outputLines;
    },
    outputTail: () => output,
    stop,
  };
}

async function waitUntilServing(child: ChildProcess, url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    try {
      // Any answer, even a 404, means the server is listening.
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`nothing answered at ${url} within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL if the child has not exited within the grace. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const escalate = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(escalate);
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
