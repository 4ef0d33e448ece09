import { writeFile } from "node:fs/promises";
import { formatReport, runConformance } from "../emulator/conformance/run-conformance.ts";
import { partnerConfiguration, startEmulator } from "./emulator-setup.ts";
import { expectUsage, parseCommand } from "./parse.ts";

const USAGE = `Usage: partnerkit conformance --url <partner base URL> [options]

  --webhook-url <url>        the partner's webhook receiver (checks signature handling)
  --product <id>             product to provision (default acme-kv)
  --metadata <json>          valid metadata for it (default {"region":"iad1"})
  --invalid-metadata <json>  metadata it must refuse (default {"region":"mars"})
  --plan <id>                billing plan to use (default: the first selectable)
  --action <slug>            a deployment action of the product: checks its round trip (§7);
                             the partner's VERCEL_API_URL must point at the emulator
  --repl-read <input>        a REPL command that only reads (default keys)
  --repl-write <input>       a REPL command that writes (default "set conformance 1")
  --port <n>                 port of the emulator's issuer (default 3100)
  --json <file>              also write the report as JSON
`;

/** `partnerkit conformance`: checks any partner server against the protocol; non-zero on failure. */
export async function conformanceCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { values } = parseCommand(USAGE, {
    args,
    options: {
      url: { type: "string" },
      "webhook-url": { type: "string" },
      product: { type: "string", default: "acme-kv" },
      metadata: { type: "string", default: '{"region":"iad1"}' },
      "invalid-metadata": { type: "string", default: '{"region":"mars"}' },
      plan: { type: "string" },
      action: { type: "string" },
      "repl-read": { type: "string", default: "keys" },
      "repl-write": { type: "string", default: "set conformance 1" },
      port: { type: "string", default: "3100" },
      json: { type: "string" },
    },
  });
  expectUsage(values.url, "--url is required", USAGE);
  const running = await startEmulator({
    partnerUrl: values.url,
    webhookUrl: values["webhook-url"],
    port: Number(values.port),
    env,
  });
  process.stdout.write(
    `Checking ${values.url}. The partner must be configured with:\n${partnerConfiguration(running)}\n\n`,
  );
  try {
    const webhookUrl = values["webhook-url"];
    const report = await runConformance({
      partner: running.emulator.partner,
      issuer: running.emulator.issuer,
      productId: values.product,
      metadata: JSON.parse(values.metadata),
      invalidMetadata: JSON.parse(values["invalid-metadata"]),
      billingPlanId: values.plan,
      action: values.action,
      emulator: running.emulator,
      repl: { read: values["repl-read"], write: values["repl-write"] },
      webhook: webhookUrl
        ? {
            url: webhookUrl,
            secret: running.emulator.clientSecret,
            fetch: (request) => fetch(request),
          }
        : undefined,
    });
    process.stdout.write(formatReport(report));
    if (values.json) await writeFile(values.json, JSON.stringify(report, null, 2));
    return report.failed === 0 ? 0 : 1;
  } finally {
    await running.close();
  }
}
