import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDocSection } from "../lib/doc-sections.ts";
import { BenchError } from "../lib/errors.ts";
import { repoFile } from "../lib/paths.ts";
import { runChaos } from "./chaos-run.ts";
import { parseChaosOptions, type RunOptions, USAGE } from "./options.ts";
import { renderReport, renderReportMarkdown } from "./report.ts";

/** `npm run chaos`: one run, its summary on the terminal (and in docs/reliability.md if asked). */
async function main(): Promise<number> {
  const options = parseChaosOptions(process.argv.slice(2), process.env);
  if (!options) {
    process.stdout.write(USAGE);
    return 0;
  }
  const logDirectory = await mkdtemp(join(tmpdir(), "partnerkit-chaos-"));
  process.stdout.write(`${describe(options)}\n`);
  const report = await runChaos({
    ...options,
    logDirectory,
    log: (line) => process.stdout.write(`  ${line}\n`),
  });
  process.stdout.write(`\n${renderReport(report)}\n\nServer logs: ${logDirectory}\n`);
  if (options.writeDoc) {
    const markdown = `${describe(options)} on ${new Date().toISOString().slice(0, 10)}:\n\n${renderReportMarkdown(report)}`;
    await writeDocSection(repoFile("docs/reliability.md"), "chaos", markdown);
  }
  return report.passed ? 0 : 1;
}

function describe(options: RunOptions): string {
  return (
    `Chaos run: ${options.instances} instances, ${options.deployments} deployments ` +
    `(${options.concurrency} at a time), ${options.kills} kill -9 during actions` +
    `${options.killDuringRotation ? " and 1 during a rotation" : ""}, ` +
    `${options.roll ? `1 roll${options.drainBeforeRoll ? " (drained first)" : ""}` : "no roll"}, ` +
    `${options.rotations} rotations, ` +
    `${options.transfers} transfers, seed ${options.seed}`
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      error instanceof BenchError ? `${error.message}\n` : `${(error as Error).stack ?? error}\n`,
    );
    process.exit(1);
  },
);
