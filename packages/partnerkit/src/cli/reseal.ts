import { ConfigError } from "../config.ts";
import { openDatabase } from "../store/database.ts";
import { migrateStore } from "../store/kysely-store.ts";
import { type ColumnReseal, resealSecrets, UNKNOWN_FORMAT } from "../store/reseal.ts";
import { SecretBox } from "../store/secret-box.ts";
import { parseCommand } from "./parse.ts";

const USAGE = `Usage: partnerkit reseal

  Seals every secret stored in DATABASE_URL (default .partnerkit/partnerkit.db) again with the
  newest (first) key of PARTNERKIT_ENCRYPTION_KEY, so that the older keys can be removed from it.
  Safe while servers run (restart them with the new key first) and to run again. Exits 1 when
  some values could not be opened.
`;

/** `partnerkit reseal`: moves every sealed value to the newest key (see store/reseal.ts). */
export async function resealCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  parseCommand(USAGE, { args, options: {} });
  const box = secretBoxFrom(env.PARTNERKIT_ENCRYPTION_KEY);
  const database = openDatabase(env.DATABASE_URL || undefined);
  try {
    await migrateStore(database);
    const reports = await resealSecrets(database.kysely, box);
    process.stdout.write(`${formatTable(reports)}${verdict(reports, box).join("\n")}\n`);
    return reports.every((report) => report.remaining === 0) ? 0 : 1;
  } finally {
    await database.close();
  }
}

function secretBoxFrom(keys: string | undefined): SecretBox {
  if (!keys?.trim()) {
    throw new ConfigError("Missing required environment variable PARTNERKIT_ENCRYPTION_KEY");
  }
  try {
    return SecretBox.fromEnv(keys);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

const HEADER = ["column", "resealed", "already current", "could not open"];

function formatTable(reports: ColumnReseal[]): string {
  const rows = [
    HEADER,
    ...reports.map((report) => [
      report.column,
      String(report.resealed),
      String(report.alreadyCurrent),
      String(total(Object.values(report.couldNotOpen))),
    ]),
  ];
  const widths = HEADER.map((_, index) => Math.max(...rows.map((row) => row[index]?.length ?? 0)));
  const line = (row: string[]) =>
    row
      .map((cell, index) =>
        index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0),
      )
      .join("  ");
  return `${rows.map(line).join("\n")}\n`;
}

/** What the operator does next: remove the older keys, or why not yet. */
function verdict(reports: ColumnReseal[], box: SecretBox): string[] {
  const [newest, ...older] = box.keyIds;
  const remaining = total(reports.map((report) => report.remaining));
  if (remaining === 0) {
    const removable =
      older.length > 0 ? `: ${older.join(", ")} can be removed from PARTNERKIT_ENCRYPTION_KEY` : "";
    return [`Every sealed value is under key ${newest}${removable}.`];
  }
  const unopened = new Map<string, number>();
  for (const report of reports) {
    for (const [keyId, count] of Object.entries(report.couldNotOpen)) {
      unopened.set(keyId, (unopened.get(keyId) ?? 0) + count);
    }
  }
  const lines: string[] = [];
  if (unopened.size > 0) {
    const sources = [...unopened].map(([keyId, count]) => `${count} ${describeSource(keyId, box)}`);
    lines.push(
      `${total([...unopened.values()])} value(s) could not be opened: ${sources.join(", ")}. Keep the older keys; add the missing ones to PARTNERKIT_ENCRYPTION_KEY and run again.`,
    );
  }
  const rewritten = remaining - total([...unopened.values()]);
  if (rewritten > 0) {
    lines.push(
      `${rewritten} value(s) were written under an older key while this ran: restart every server with key ${newest} first, then run again.`,
    );
  }
  return lines;
}

function describeSource(keyId: string, box: SecretBox): string {
  if (keyId === UNKNOWN_FORMAT) return "in an unknown format";
  if (box.keyIds.includes(keyId))
    return `sealed by key ${keyId}, which is configured but does not open them`;
  return `sealed by key ${keyId}, which is not configured`;
}

const total = (counts: number[]) => counts.reduce((sum, count) => sum + count, 0);
