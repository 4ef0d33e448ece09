import { type ParseArgsConfig, parseArgs } from "node:util";

/** A command line that does not parse: main prints the message and the command's usage, exit 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** `--help` or `-h` anywhere: main prints the usage on stdout, exit 0. */
export class HelpRequested extends Error {
  override readonly name = "HelpRequested";
  constructor(readonly usage: string) {
    super("help");
  }
}

/**
 * `parseArgs`, strict, with `--help` and the parser's own errors turned into the two errors
 * above, so every subcommand answers them the same way.
 */
export function parseCommand<Config extends ParseArgsConfig>(
  usage: string,
  config: Config,
): ReturnType<typeof parseArgs<Config>> {
  const args = config.args ?? [];
  if (args.includes("--help") || args.includes("-h")) throw new HelpRequested(usage);
  try {
    return parseArgs(config);
  } catch (error) {
    if (String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS")) {
      throw new UsageError((error as Error).message, usage);
    }
    throw error;
  }
}

/** Fails with the usage unless `condition` holds. */
export function expectUsage(condition: unknown, message: string, usage: string): asserts condition {
  if (!condition) throw new UsageError(message, usage);
}
