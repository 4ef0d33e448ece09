import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { BenchError } from "../lib/errors.ts";
import type { ChaosOptions } from "./chaos-run.ts";

/** What `npm run chaos` runs unless told otherwise: the size docs/reliability.md reports. */
export const DEFAULT_SIZE = {
  instances: 3,
  installations: 3,
  resourcesPerInstallation: 2,
  deployments: 300,
  concurrency: 8,
  cancelEvery: 10,
  removeEvery: 5,
  rotations: 40,
  transfers: 8,
  uninstallAt: 0.6,
  kills: 4,
  killDuringRotation: true,
  roll: true,
  drainBeforeRoll: false,
  hookWorkMs: 50,
  redeliveryRatio: 0.2,
};

export const USAGE = `Usage: npm run chaos -- [options]

Runs several partnerkit servers of Acme KV on one PostgreSQL database behind a round-robin
proxy, with the emulator as Vercel; kills and rolls them during a workload of deployments,
webhook redeliveries, secrets rotations, transfers and an uninstall; then checks that nothing
was lost or done twice. Exits 1 when a check fails. See docs/reliability.md.

Options:
      --database-url <url>  PostgreSQL to work in (a throwaway schema) [CHAOS_DATABASE_URL, TEST_DATABASE_URL]
      --instances <n>       server processes (default ${DEFAULT_SIZE.instances})
      --deployments <n>     deployments, each running the branch action (default ${DEFAULT_SIZE.deployments})
      --concurrency <n>     deployments in flight at once (default ${DEFAULT_SIZE.concurrency})
      --kills <n>           kill -9s, each followed by a restart (default ${DEFAULT_SIZE.kills})
      --no-rotation-kill    no kill -9 inside a secrets rotation (it costs an idempotency lease, 60 s)
      --no-roll             do not roll an instance (SIGTERM, restart)
      --drain-before-roll   take the rolled instance out of the proxy before its SIGTERM
      --rotations <n>       secrets rotations (default ${DEFAULT_SIZE.rotations})
      --transfers <n>       resource transfers (default ${DEFAULT_SIZE.transfers})
      --seed <n>            repeat a run's choices (default: random, printed)
      --write-doc           put the summary into docs/reliability.md
  -h, --help                show this help
`;

type Env = Record<string, string | undefined>;

export interface RunOptions extends Omit<ChaosOptions, "logDirectory" | "log"> {
  writeDoc: boolean;
}

/** Flags win over the environment; `undefined` means --help. */
export function parseChaosOptions(argv: string[], env: Env): RunOptions | undefined {
  const { values } = parseFlags(argv);
  if (values.help) return undefined;
  const databaseUrl = values["database-url"] ?? env.CHAOS_DATABASE_URL ?? env.TEST_DATABASE_URL;
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new BenchError(
      "A PostgreSQL database is needed: --database-url postgres://… (or CHAOS_DATABASE_URL)",
    );
  }
  const count = (name: keyof typeof values, fallback: number, min: number) => {
    const value = values[name];
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min)
      throw new BenchError(`--${name} must be a whole number of at least ${min}`);
    return parsed;
  };
  return {
    ...DEFAULT_SIZE,
    databaseUrl,
    instances: count("instances", DEFAULT_SIZE.instances, 2),
    deployments: count("deployments", DEFAULT_SIZE.deployments, 10),
    concurrency: count("concurrency", DEFAULT_SIZE.concurrency, 1),
    kills: count("kills", DEFAULT_SIZE.kills, 0),
    killDuringRotation: !values["no-rotation-kill"],
    roll: !values["no-roll"],
    drainBeforeRoll: values["drain-before-roll"] ?? false,
    rotations: count("rotations", DEFAULT_SIZE.rotations, 0),
    transfers: count("transfers", DEFAULT_SIZE.transfers, 0),
    seed: count("seed", randomInt(2 ** 31), 0),
    writeDoc: values["write-doc"] ?? false,
  };
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        "database-url": { type: "string" },
        instances: { type: "string" },
        deployments: { type: "string" },
        concurrency: { type: "string" },
        kills: { type: "string" },
        "no-rotation-kill": { type: "boolean" },
        "no-roll": { type: "boolean" },
        "drain-before-roll": { type: "boolean" },
        rotations: { type: "string" },
        transfers: { type: "string" },
        seed: { type: "string" },
        "write-doc": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new BenchError((error as Error).message);
  }
}
