import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { BenchError } from "./lib/errors.ts";
import { DEFAULT_POSTGRES_URL } from "./servers/postgres.ts";

export interface BenchOptions {
  /** Seconds of measured load per server. */
  durationSeconds: number;
  connections: number;
  /** Requests sent to each server before measuring, so the JIT and caches are warm. */
  warmupRequests: number;
  /** Rewrite this benchmark's section of docs/benchmarks.md. */
  writeDoc: boolean;
  /** Directory for a V8 CPU profile of our server (`--cpu-prof`), written when it stops. */
  profileDir?: string;
  /** Server starts per database (fresh, migrated) in the cold-start benchmark. */
  coldStartRuns: number;
  /** Ids of the benchmarks to run, in the order given; empty runs them all. */
  suites: string[];
  /** A PostgreSQL server URL: the PostgreSQL benchmarks create their own databases on it. */
  postgresUrl: string;
  /** Scale benchmark: installations in its data set (10 resources each). */
  scaleInstallations: number;
  /** Scale benchmark: load its data set again even if the database holds it already. */
  scaleReload: boolean;
}

export class OptionsError extends BenchError {
  override readonly name = "OptionsError";
}

/**
 * Every request needs its own RSA-signed token, minted before the run (~1 ms of CPU each), so
 * longer runs mostly cost minting time; 10 s keeps the Partner API read benchmark near a minute
 * and a half, and `npm run bench` (all benchmarks, the one-minute cold start included) near four
 * minutes.
 */
export const MAX_DURATION_SECONDS = 10;

/** The scale benchmark's data set: 100,000 installations, 1,000,000 resources. */
export const DEFAULT_SCALE_INSTALLATIONS = 100_000;

export const USAGE = `Usage: npm run bench -- [options] [benchmark…]

Runs every benchmark, or only those named (as arguments or with --only), e.g.
  npm run bench -- webhook-ingest action-turnaround
  npm run bench -- cold-start

Options (environment variable in brackets):
  -d, --duration <s>       seconds of measured load per server, at most ${MAX_DURATION_SECONDS} [BENCH_DURATION] (default 10)
  -c, --connections <n>    concurrent keep-alive connections [BENCH_CONNECTIONS] (default 50)
      --warmup <n>         warm-up requests per server [BENCH_WARMUP] (default 4000)
      --runs <n>           cold-start benchmark: server starts per database, fresh and migrated [BENCH_RUNS] (default 10)
      --postgres <url>     PostgreSQL server the PostgreSQL benchmarks create their databases on [BENCH_POSTGRES_URL]
                           (default ${DEFAULT_POSTGRES_URL})
      --scale-installations <n>
                           scale benchmark: installations, 10 resources each [BENCH_SCALE_INSTALLATIONS] (default ${DEFAULT_SCALE_INSTALLATIONS.toLocaleString("en-US")})
      --scale-reload       scale benchmark: load its data set again even if its database holds it [BENCH_SCALE_RELOAD=1]
      --no-doc             do not rewrite docs/benchmarks.md [BENCH_NO_DOC=1]
      --profile <dir>      write CPU profiles of our server under <dir>/<benchmark>/ (open in Chrome DevTools) [BENCH_PROFILE_DIR]
      --only <ids>         run only these benchmarks, comma-separated; may be repeated [BENCH_ONLY]
  -h, --help               show this help
`;

type Env = Record<string, string | undefined>;

/** Flags win over environment variables, which win over defaults. `undefined` means --help. */
export function parseBenchOptions(argv: string[], env: Env): BenchOptions | undefined {
  const { values, positionals } = parseFlags(argv);
  if (values.help) return undefined;
  const durationSeconds = number(values.duration ?? env.BENCH_DURATION, "duration", 10);
  if (durationSeconds <= 0 || durationSeconds > MAX_DURATION_SECONDS) {
    throw new OptionsError(`duration must be more than 0 and at most ${MAX_DURATION_SECONDS} s`);
  }
  const connections = number(values.connections ?? env.BENCH_CONNECTIONS, "connections", 50);
  if (!Number.isInteger(connections) || connections < 1 || connections > 1000) {
    throw new OptionsError("connections must be a whole number from 1 to 1000");
  }
  // JIT tiering takes a few thousand requests to settle on both servers.
  const warmupRequests = number(values.warmup ?? env.BENCH_WARMUP, "warmup", 4000);
  if (!Number.isInteger(warmupRequests) || warmupRequests < connections) {
    throw new OptionsError(
      "warmup must be a whole number of requests, at least one per connection",
    );
  }
  const coldStartRuns = number(values.runs ?? env.BENCH_RUNS, "runs", 10);
  if (!Number.isInteger(coldStartRuns) || coldStartRuns < 1 || coldStartRuns > 100) {
    throw new OptionsError("runs must be a whole number from 1 to 100");
  }
  const scaleInstallations = number(
    values["scale-installations"] ?? env.BENCH_SCALE_INSTALLATIONS,
    "scale-installations",
    DEFAULT_SCALE_INSTALLATIONS,
  );
  if (!Number.isInteger(scaleInstallations) || scaleInstallations < 1) {
    throw new OptionsError("scale-installations must be a whole number, at least 1");
  }
  const noDoc = values["no-doc"] ?? flag(env.BENCH_NO_DOC);
  const profileDir = values.profile ?? env.BENCH_PROFILE_DIR;
  const named = [...positionals, ...(values.only ?? (env.BENCH_ONLY ? [env.BENCH_ONLY] : []))];
  const suites = [
    ...new Set(named.flatMap((list) => list.split(",")).map((id) => id.trim())),
  ].filter(Boolean);
  return {
    durationSeconds,
    connections,
    warmupRequests,
    writeDoc: !noDoc,
    ...(profileDir && { profileDir: resolve(profileDir) }),
    coldStartRuns,
    suites,
    postgresUrl: values.postgres ?? env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
    scaleInstallations,
    scaleReload: values["scale-reload"] ?? flag(env.BENCH_SCALE_RELOAD),
  };
}

const flag = (raw: string | undefined) => raw === "1" || raw === "true";

function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        duration: { type: "string", short: "d" },
        connections: { type: "string", short: "c" },
        warmup: { type: "string" },
        runs: { type: "string" },
        "no-doc": { type: "boolean" },
        postgres: { type: "string" },
        "scale-installations": { type: "string" },
        "scale-reload": { type: "boolean" },
        profile: { type: "string" },
        only: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new OptionsError((error as Error).message);
  }
}

function number(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new OptionsError(`${name} must be a number, got "${raw}"`);
  return value;
}
