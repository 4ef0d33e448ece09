import { parseArgs } from "node:util";
import type { Logger } from "pino";
import { refundInvoice } from "../core/billing/refund.ts";
import { MoneyString } from "../protocol/money.ts";
import { openDatabase } from "../store/database.ts";
import { createStore, migrateStore } from "../store/kysely-store.ts";
import { SecretBox } from "../store/secret-box.ts";
import { VercelClient } from "../vercel/vercel-client.ts";

const USAGE = `Usage: partnerkit refund <installation id> <invoice id> --reason <text> [--total <USD>]

  Refunds an invoice through Vercel (the whole of it unless --total is given).
  Reads DATABASE_URL, PARTNERKIT_ENCRYPTION_KEY and VERCEL_API_URL like \`partnerkit start\`.
`;

/** `partnerkit refund`: the operator's way to refund an invoice (spec §5.13 Invoice Actions). */
export async function refundCommand(
  args: string[],
  env: Record<string, string | undefined>,
  logger: Logger,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { reason: { type: "string" }, total: { type: "string" } },
  });
  const [installationId, invoiceId] = positionals;
  const key = env.PARTNERKIT_ENCRYPTION_KEY?.trim();
  if (!installationId || !invoiceId || !values.reason || !key) {
    process.stderr.write(key ? USAGE : `PARTNERKIT_ENCRYPTION_KEY is required\n${USAGE}`);
    return 1;
  }
  if (values.total !== undefined && !MoneyString.safeParse(values.total).success) {
    process.stderr.write(`--total must be a decimal amount such as 12.50\n`);
    return 1;
  }
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
