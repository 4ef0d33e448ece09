import type { Logger } from "pino";
import { refundInvoice } from "../core/billing/refund.ts";
import { createLogger } from "../logger.ts";
import { MoneyString } from "../protocol/money.ts";
import { openDatabase } from "../store/database.ts";
import { createStore, migrateStore } from "../store/kysely-store.ts";
import { SecretBox } from "../store/secret-box.ts";
import { VercelClient } from "../vercel/vercel-client.ts";
import { expectUsage, parseCommand } from "./parse.ts";

const USAGE = `Usage: partnerkit refund <installation id> <invoice id> --reason <text> [--total <USD>]

  Refunds an invoice through Vercel (the whole of it unless --total is given).
  Reads DATABASE_URL, PARTNERKIT_ENCRYPTION_KEY and VERCEL_API_URL like \`partnerkit start\`.
`;

/** `partnerkit refund`: the operator's way to refund an invoice (spec §5.13 Invoice Actions). */
export async function refundCommand(
  args: string[],
  env: Record<string, string | undefined>,
  logger: Logger = createLogger(env.LOG_LEVEL),
): Promise<number> {
  const { values, positionals } = parseCommand(USAGE, {
    args,
    allowPositionals: true,
    options: { reason: { type: "string" }, total: { type: "string" } },
  });
  const [installationId, invoiceId] = positionals;
  const key = env.PARTNERKIT_ENCRYPTION_KEY?.trim();
  expectUsage(installationId && invoiceId, "expected <installation id> <invoice id>", USAGE);
  expectUsage(values.reason, "--reason is required", USAGE);
  expectUsage(key, "PARTNERKIT_ENCRYPTION_KEY is required", USAGE);
  expectUsage(
    values.total === undefined || MoneyString.safeParse(values.total).success,
    "--total must be a decimal amount such as 12.50",
    USAGE,
  );
  const database = openDatabase(env.DATABASE_URL || undefined);
  try {
    await migrateStore(database);
    const store = createStore(database, SecretBox.fromEnv(key));
    const credentials = await store.installationCredentials(installationId);
    if (!credentials) {
      process.stderr.write(`No installation ${installationId}\n`);
      return 1;
    }
    const vercel = new VercelClient({
      baseUrl: env.VERCEL_API_URL || "https://api.vercel.com",
      accessToken: credentials.accessToken,
      installationId,
      log: logger,
    });
    const invoice = await refundInvoice(
      store,
      vercel,
      invoiceId,
      { reason: values.reason, total: values.total },
      logger,
    );
    process.stdout.write(
      `${invoice.invoiceId} ${invoice.state}, ${invoice.refundTotal ?? values.total} of ${invoice.total} USD refunded\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}
