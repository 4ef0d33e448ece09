import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import SQLite from "better-sqlite3";
import pg from "pg";
import { ACME_KV_MODULE, CLI_NODE_ARGS } from "./cli.ts";
import { TEST_ENGINE } from "./database.ts";

// The benchmarks start child servers the same way.
export { freePort } from "../../bench/lib/free-port.ts";

/** The repository root: `partnerkit start` runs from here, as an operator would. */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** DESIGN §3 names plus LOG_LEVEL: never inherited from the test runner's environment. */
const CONTRACT_VARIABLES = [
  "PORT",
  "INTEGRATION_CLIENT_ID",
  "INTEGRATION_CLIENT_SECRET",
  "VERCEL_OIDC_ISSUER",
  "VERCEL_OIDC_JWKS_URL",
  "VERCEL_API_URL",
  "DATABASE_URL",
  "PARTNERKIT_ENCRYPTION_KEY",
  "PUBLIC_URL",
  "PARTNERKIT_BILLING_INTERVAL",
  "LOG_LEVEL",
];

export type ProcessEnv = Record<string, string | undefined>;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// Every child still running, so that a failing test or a crashed worker never leaves one behind.
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** One `partnerkit <command>` child (see `CLI_NODE_ARGS`) with its output captured. */
export class PartnerkitProcess {
  #stdout = "";
  #stderr = "";
  readonly exited: Promise<ExitStatus>;
  #exitStatus: ExitStatus | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly port: number | undefined,
  ) {
    running.add(child);
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stdout += chunk;
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      child.once("close", (code, signal) => {
        running.delete(child);
        this.#exitStatus = { code, signal };
        resolve(this.#exitStatus);
      });
    });
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get exitStatus(): ExitStatus | undefined {
    return this.#exitStatus;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Polls the port until the server answers HTTP; fails fast if the process exits first. */
  async waitUntilReady(timeoutMs = 45_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#exitStatus) {
        throw new Error(
          `partnerkit exited before listening (${JSON.stringify(this.#exitStatus)}):\n${this.#stderr}${this.#stdout}`,
        );
      }
      try {
        await fetch(`${this.url}/`, { signal: AbortSignal.timeout(1000) });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await this.kill("SIGKILL");
    throw new Error(`partnerkit did not listen within ${timeoutMs} ms:\n${this.#stderr}`);
  }

  /** Sends `signal` and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<ExitStatus> {
    if (!this.#exitStatus) this.child.kill(signal);
    return this.exited;
  }

  /** SIGTERM (graceful shutdown), then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<ExitStatus> {
    if (this.#exitStatus) return this.#exitStatus;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Spawns the CLI with exactly `env` for the DESIGN §3 variables (everything else, such as PATH,
 * is inherited). `env.PORT` is remembered so the caller can reach the server.
 */
export function spawnPartnerkit(
  env: ProcessEnv,
  command: string | string[] = "start",
  args: string[] = [],
): PartnerkitProcess {
  return spawnNode([...CLI_NODE_ARGS, ...[command].flat(), ...args], {
    PARTNERKIT_INTEGRATION: ACME_KV_MODULE,
    ...env,
  });
}

/** `node <argv>` from the repository root, with the environment as `spawnPartnerkit` sets it. */
export function spawnNode(argv: string[], env: ProcessEnv): PartnerkitProcess {
  const inherited: ProcessEnv = { ...process.env };
  for (const name of CONTRACT_VARIABLES) delete inherited[name];
  const child = spawn(process.execPath, argv, {
    cwd: REPO_ROOT,
    env: { ...inherited, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new PartnerkitProcess(child, env.PORT === undefined ? undefined : Number(env.PORT));
}

/** Spawns `partnerkit start` and waits until it answers on its port. */
export async function startPartnerkit(env: ProcessEnv): Promise<PartnerkitProcess> {
  const server = spawnPartnerkit(env);
  try {
    await server.waitUntilReady();
  } catch (error) {
    await server.kill("SIGKILL");
    throw error;
  }
  return server;
}

/** Kills every child this module started that is still running. */
export async function killAllPartnerkits(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("close", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

/** A database for one server process: a temp SQLite file, or a throwaway PostgreSQL schema. */
export interface E2eDatabase {
  engine: "sqlite" | "postgres";
  /** The `DATABASE_URL` to hand the server. */
  url: string;
  /** Table names the server created (proves the URL was honoured, e.g. the search_path). */
  tables(): Promise<string[]>;
  /**
   * Everything at rest as text: the SQLite file and its WAL/SHM side files (latin1, byte for byte),
   * or every row of every table of the schema cast to text.
   */
  contentsAtRest(): Promise<string>;
  drop(): Promise<void>;
}

export async function createE2eDatabase(): Promise<E2eDatabase> {
  return TEST_ENGINE === "postgres" ? createPostgresSchema() : createSqliteFile();
}

async function createSqliteFile(): Promise<E2eDatabase> {
  const directory = await mkdtemp(join(tmpdir(), "partnerkit-e2e-"));
  const file = join(directory, "partnerkit.db");
  return {
    engine: "sqlite",
    url: file,
    async tables() {
      const db = new SQLite(file, { readonly: true, fileMustExist: true });
      try {
        const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
          name: string;
        }[];
        return rows.map((row) => row.name);
      } finally {
        db.close();
      }
    },
    async contentsAtRest() {
      const names = await readdir(directory);
      const parts = await Promise.all(names.map((name) => readFile(join(directory, name))));
      return Buffer.concat(parts).toString("latin1");
    },
    drop: () => rm(directory, { recursive: true, force: true }),
  };
}

/** A throwaway schema in the PostgreSQL database at `base`. */
export async function createPostgresSchema(
  base = process.env.TEST_DATABASE_URL,
): Promise<E2eDatabase> {
  if (!base) throw new Error("TEST_DATABASE_URL is required for the postgres project");
  const schema = `pk_e2e_${randomBytes(6).toString("hex")}`;
  const admin = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };
  await admin((client) => client.query(`CREATE SCHEMA ${schema}`));
  const separator = base.includes("?") ? "&" : "?";
  const tables = () =>
    admin(async (client) => {
      const result = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
        [schema],
      );
      return result.rows.map((row) => row.table_name);
    });
  return {
    engine: "postgres",
    url: `${base}${separator}options=-c%20search_path%3D${schema}`,
    tables,
    async contentsAtRest() {
      const names = await tables();
      return admin(async (client) => {
        const parts: string[] = [];
        for (const name of names) {
          const result = await client.query<{ row: string }>(
            `SELECT t::text AS row FROM "${schema}"."${name}" t`,
          );
          parts.push(`-- ${name}`, ...result.rows.map((row) => row.row));
        }
        return parts.join("\n");
      });
    },
    async drop() {
      await admin((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
  };
}
