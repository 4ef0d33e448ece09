/**
 * `npm run bench`: runs each benchmark, prints its table, rewrites its section of
 * docs/benchmarks.md and exits non-zero only when requests failed — never for a missed target.
 */
import { join } from "node:path";
import { actionTurnaround } from "./action-turnaround/suite.ts";
import { checkTurnaround } from "./check-turnaround/suite.ts";
import { coldStart } from "./cold-start/suite.ts";
import { writeDocSection } from "./lib/doc-sections.ts";
import { BenchError } from "./lib/errors.ts";
import { BENCHMARKS_DOC } from "./lib/paths.ts";
import { progress } from "./lib/progress.ts";
import type { BenchSuite } from "./lib/suite.ts";
import { type BenchOptions, OptionsError, parseBenchOptions, USAGE } from "./options.ts";
import { partnerApiRead } from "./partner-api-read/suite.ts";
import { scale } from "./scale/suite.ts";
import { webhookIngest } from "./webhook-ingest/suite.ts";

const SUITES: BenchSuite[] = [
  coldStart,
  partnerApiRead,
  webhookIngest,
  actionTurnaround,
  checkTurnaround,
  scale,
];

/** The suites named in the options, in that order, or all of them. */
function selectSuites(options: BenchOptions): BenchSuite[] {
  if (options.suites.length === 0) return SUITES;
  return options.suites.map((id) => {
    const suite = SUITES.find((candidate) => candidate.id === id);
    if (!suite) {
      const known = SUITES.map((candidate) => candidate.id).join(", ");
      throw new OptionsError(`Unknown benchmark "${id}"; there are: ${known}`);
    }
    return suite;
  });
}

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2), process.env);
  if (!options) {
    process.stdout.write(USAGE);
    return 0;
  }
  let failed = false;
  for (const suite of selectSuites(options)) {
    progress(`${suite.title}: starting`);
    // Each suite's server writes its profile on stop: one directory per suite keeps them apart.
    const profileDir = options.profileDir && join(options.profileDir, suite.id);
    const outcome = await suite.run({ ...options, ...(profileDir && { profileDir }) });
    process.stdout.write(`${outcome.text}\n`);
    if (options.writeDoc) {
      await writeDocSection(BENCHMARKS_DOC, suite.id, outcome.markdown);
      progress(`${suite.title}: wrote its section of ${BENCHMARKS_DOC}`);
    }
    for (const failure of outcome.failures) process.stderr.write(`FAILED ${failure}\n`);
    failed ||= outcome.failures.length > 0;
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    let message = String((error as Error)?.stack ?? error);
    if (error instanceof BenchError) message = error.message;
    if (error instanceof OptionsError) message += `\n\n${USAGE}`;
    process.stderr.write(`bench: ${message}\n`);
    process.exitCode = 1;
  },
);
