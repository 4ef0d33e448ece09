import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { repoFile } from "../lib/paths.ts";
import { INTEGRATION } from "./server.ts";
import { type Spread, spread } from "./spread.ts";

const run = promisify(execFile);

const DIST = "packages/partnerkit/dist";

/** One step of the `start` path's imports, timed after the steps before it. */
interface ImportStep {
  label: string;
  /** Bare package names resolve from packages/partnerkit, as the framework's own imports do. */
  specifiers: string[];
  /** False for modules `start` does not load (the other commands, once main.ts loads lazily). */
  onStartPath: boolean;
}

export interface ImportRow {
  label: string;
  onStartPath: boolean;
  ms: Spread;
}

export interface ImportBreakdown {
  rows: ImportRow[];
  /** Per run, the sum of the steps on the start path (boot included). */
  total: Spread;
  runs: number;
  /** The CLI modules dist/cli/main.js imports statically, i.e. before it knows the command. */
  eagerCommands: string[];
}

/**
 * Where the time before `listen()` goes: in a fresh `node` process per run (plain Node, no
 * loader), `await import()` of each step of the `start` path in order, each timed on its own —
 * so a step is charged only for what the steps before it did not load already. The first row is
 * Node's own boot: `performance.now()` on the first line, i.e. the time since the process began.
 */
export async function measureImports(runs: number): Promise<ImportBreakdown> {
  const main = await readFile(repoFile(`${DIST}/cli/main.js`), "utf8");
  const commands = [...main.matchAll(/import\("\.\/([\w-]+)\.js"\)/g)].map(
    (match) => match[1] ?? "",
  );
  const eagerCommands = eagerlyImported(main, commands);
  const steps = importSteps(commands, eagerCommands);
  const samples: number[][] = [];
  for (let index = 0; index < runs; index++) samples.push(await timeImports(steps));
  const rows: ImportRow[] = [
    { label: "Node.js boot, until the first line runs", onStartPath: true, ms: column(0) },
    ...steps.map((step, index) => ({
      label: step.label,
      onStartPath: step.onStartPath,
      ms: column(index + 1),
    })),
  ];
  const onPath = [true, ...steps.map((step) => step.onStartPath)];
  const totals = samples.map((times) =>
    times.reduce((sum, ms, index) => (onPath[index] ? sum + ms : sum), 0),
  );
  return { rows, total: spread(totals), runs, eagerCommands };

  function column(index: number): Spread {
    return spread(samples.map((times) => times[index] ?? 0));
  }
}

function importSteps(commands: string[], eagerCommands: string[]): ImportStep[] {
  const dist = (path: string) => repoFile(`${DIST}/${path}`);
  const otherCommands = commands.filter((name) => name !== "start").map((name) => `${name}.js`);
  const lazy = eagerCommands.length === 0;
  const packages = ["zod", "kysely", "jose", "hono", "@hono/node-server", "pino"];
  return [
    ...packages.map((name) => ({ label: name, specifiers: [name], onStartPath: true })),
    { label: "better-sqlite3", specifiers: ["better-sqlite3"], onStartPath: true },
    {
      label: "the rest of partnerkit's API (src/index.ts: protocol, store, http, runtime…)",
      specifiers: [dist("index.js")],
      onStartPath: true,
    },
    {
      label: "pg (PostgreSQL driver), imported at the first PostgreSQL connection",
      specifiers: ["pg"],
      onStartPath: false,
    },
    {
      label: "@vercel/sdk (src/vercel/sdk.ts), imported at the first call to Vercel",
      specifiers: [dist("vercel/sdk.js")],
      onStartPath: false,
    },
    { label: "src/cli/start.ts", specifiers: [dist("cli/start.js")], onStartPath: true },
    {
      label: `the other ${otherCommands.length} commands (dev, emulator, conformance…)${
        lazy ? ", not loaded by `start`" : ""
      }`,
      specifiers: otherCommands.map((file) => dist(`cli/${file}`)),
      onStartPath: !lazy,
    },
    {
      label: "the Acme KV integration (examples/acme-kv/dist)",
      specifiers: [repoFile(INTEGRATION)],
      onStartPath: true,
    },
  ];
}

/** One fresh process: ms of Node's boot, then of each step, in order. */
async function timeImports(steps: ImportStep[]): Promise<number[]> {
  const script = `
const boot = performance.now();
const steps = ${JSON.stringify(steps.map((step) => step.specifiers))};
const times = [boot];
for (const specifiers of steps) {
  const before = performance.now();
  for (const specifier of specifiers) await import(specifier);
  times.push(performance.now() - before);
}
process.stdout.write(JSON.stringify(times));
`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    cwd: repoFile("packages/partnerkit"),
  });
  return JSON.parse(stdout) as number[];
}

/** The command modules dist/cli/main.js imports statically, before it knows the command. */
function eagerlyImported(main: string, commands: string[]): string[] {
  const imports = main.matchAll(/^import\s[^;]*?from\s+"\.\/([\w-]+)\.js";/gm);
  return [...imports].map((match) => match[1] ?? "").filter((name) => commands.includes(name));
}
