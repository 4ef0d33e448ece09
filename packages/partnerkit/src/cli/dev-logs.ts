import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { resolveFromProject } from "./project-module.ts";

/** Turns one line the partner printed (or its parsed log record) into what the terminal shows. */
export type Prettify = (input: string | Record<string, unknown>) => string;

interface PinoPretty {
  prettyFactory(options: Record<string, unknown>): Prettify;
}

/**
 * pino-pretty when the project has it (a devDependency: the production server never loads it),
 * for `partnerkit dev` only; undefined otherwise, and the logs stay JSON.
 */
export async function loadPrettifier(): Promise<Prettify | undefined> {
  const path = resolveFromProject("pino-pretty");
  if (!path) return undefined;
  const module = (await import(pathToFileURL(path).href)) as Partial<PinoPretty>;
  return module.prettyFactory?.({
    colorize: process.stdout.isTTY,
    ignore: "pid,hostname",
    translateTime: "SYS:HH:MM:ss.l",
    singleLine: true,
    // Real errors keep a block with their stack; `error` carries one-line ones (see below).
    errorLikeObjectKeys: ["err"],
  });
}

/** Copies the partner's output to ours, line by line through `prettify` when there is one. */
export function relayLogs(source: Readable, prettify: Prettify | undefined): void {
  if (!prettify) {
    source.pipe(process.stdout);
    return;
  }
  createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
    process.stdout.write(prettyLine(prettify, line));
  });
}

export const prettyLine = (prettify: Prettify, line: string) => prettify(withOneLineErrors(line));

/**
 * An error whose stack is one line (e.g. Vercel's answered refusal, `VercelApiError`) becomes its
 * message in `error`, on the log line itself; a real stack keeps pino-pretty's block.
 */
function withOneLineErrors(line: string): string | Record<string, unknown> {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (!record || typeof record !== "object") return line;
  const { err, ...rest } = record as { err?: { message?: unknown; stack?: unknown } };
  if (typeof err?.stack !== "string" || err.stack.includes("\n")) return line;
  return { ...rest, error: err.message };
}
