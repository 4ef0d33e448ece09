import { ConfigError, loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { conformanceCommand } from "./conformance.ts";
import { credentialsCommand } from "./credentials.ts";
import { runDev } from "./dev.ts";
import { emulatorCommand } from "./emulator.ts";
import { jobsCommand } from "./jobs.ts";
import { migrate } from "./migrate.ts";
import { refundCommand } from "./refund.ts";
import { runServer } from "./run-server.ts";

const USAGE = `Usage: partnerkit <command>

Commands:
  start     serve the integration (configuration from the environment, see README)
  dev       serve it beside a local Marketplace emulator, configured under .partnerkit/
  migrate   apply database migrations and exit
  emulator  the Marketplace emulator alone (--partner-url, --webhook-url, --port)
  emulator install|provision|deploy|trigger  drive a running emulator (see emulator --help)
  conformance --url <partner>  check any partner server against the protocol
  jobs      list durable jobs (optionally by status: queued, running, succeeded, dead)
  jobs retry <id>  put a job (e.g. a dead one) back in the queue
  refund <installation> <invoice> --reason <text> [--total <USD>]  refund an invoice
  credentials rotate <installation id>  new installation token, the old one revoked
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  const logger = createLogger();
  switch (command) {
    case "start":
      return runServer(loadConfig(), logger);
    case "dev":
      return runDev(process.env);
    case "migrate":
      await migrate(process.env.DATABASE_URL);
      process.stdout.write("migrations applied\n");
      return 0;
    case "emulator":
      return emulatorCommand(rest, process.env);
    case "conformance":
      return conformanceCommand(rest, process.env);
    case "credentials":
      return credentialsCommand(rest, loadConfig(), logger);
    case "jobs":
      return jobsCommand(rest, process.env.DATABASE_URL);
    case "refund":
      return refundCommand(rest, process.env, logger);
    default:
      process.stderr.write(`Unknown command ${command}\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    const message =
      error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error);
    process.stderr.write(`partnerkit: ${message}\n`);
    process.exitCode = 1;
  },
);
