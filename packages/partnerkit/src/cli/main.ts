#!/usr/bin/env node
import { exitWith } from "./exit.ts";
import { UsageError } from "./parse.ts";

type Env = Record<string, string | undefined>;

type CommandRun = (args: string[], env: Env) => Promise<number>;

interface Command {
  summary: string;
  /**
   * Imports the command's module when it runs, not before: `start` then loads neither the
   * emulator nor the conformance suite, which only `dev`, `emulator` and `conformance` need.
   */
  load(): Promise<CommandRun>;
}

const COMMANDS: Record<string, Command> = {
  start: {
    summary: "serve an integration (configuration from the environment)",
    load: async () => (await import("./start.ts")).startCommand,
  },
  dev: {
    summary: "serve it beside a local Marketplace emulator, no configuration",
    load: async () => (await import("./dev.ts")).devCommand,
  },
  migrate: {
    summary: "apply the database migrations and exit",
    load: async () => (await import("./migrate.ts")).migrateCommand,
  },
  emulator: {
    summary: "the Marketplace emulator alone, or drive a running one (install, provision…)",
    load: async () => (await import("./emulator.ts")).emulatorCommand,
  },
  conformance: {
    summary: "check any partner server against the protocol",
    load: async () => (await import("./conformance.ts")).conformanceCommand,
  },
  jobs: {
    summary: "list durable jobs, or put one back in the queue",
    load: async () => (await import("./jobs.ts")).jobsCommand,
  },
  refund: {
    summary: "refund an invoice through Vercel",
    load: async () => (await import("./refund.ts")).refundCommand,
  },
  build: {
    summary: "bundle an integration and the server into one directory that starts fast",
    load: async () => (await import("./build.ts")).buildCommand,
  },
  credentials: {
    summary: "rotate an installation's Vercel token",
    load: async () => (await import("./credentials.ts")).credentialsCommand,
  },
  "product-config": {
    summary: "print each product's configuration for Vercel's Integrations Console",
    load: async () => (await import("./product-config.ts")).productConfigCommand,
  },
  reseal: {
    summary: "seal stored secrets again with the newest encryption key",
    load: async () => (await import("./reseal.ts")).resealCommand,
  },
};

const USAGE = `Usage: partnerkit <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(15)} ${command.summary}`)
  .join("\n")}

Run \`partnerkit <command> --help\` for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(USAGE);
    return name ? 0 : 1;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${await packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command ${name}`, USAGE);
  const run = await command.load();
  return run(rest, process.env);
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const file = new URL("../../package.json", import.meta.url);
  return (JSON.parse(await readFile(file, "utf8")) as { version: string }).version;
}

exitWith(main(process.argv.slice(2)));
