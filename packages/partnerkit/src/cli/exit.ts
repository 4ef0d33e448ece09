import { ConfigError } from "../config.ts";
import { HelpRequested, UsageError } from "./parse.ts";

/**
 * Ends a command's promise the way a CLI should: its exit code, the usage for a usage error,
 * one line for a configuration error, and a stack only for what nobody expected.
 */
export function exitWith(outcome: Promise<number>): void {
  outcome.then(
    (code) => {
      if (code !== 0) process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof HelpRequested) {
        process.stdout.write(error.usage);
        return;
      }
      if (error instanceof UsageError) {
        process.stderr.write(`partnerkit: ${error.message}\n\n${error.usage}`);
      } else {
        const message =
          error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error);
        process.stderr.write(`partnerkit: ${message}\n`);
      }
      process.exitCode = 1;
    },
  );
}
