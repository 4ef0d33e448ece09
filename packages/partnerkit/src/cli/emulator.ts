import { loadProductConfig } from "../emulator/console/product-config.ts";
import { resetDevState } from "./dev-reset.ts";
import { partnerConfiguration, startEmulator } from "./emulator-setup.ts";
import { runEmulatorVerb, VERB_USAGE, VERBS } from "./emulator-verbs.ts";
import { parseCommand, UsageError } from "./parse.ts";

export const EMULATOR_USAGE = `Usage:
  partnerkit emulator [--partner-url http://localhost:3000] [--webhook-url <url>] [--port 3100]
                      [--product acme-kv ...] [--action branch ...] [--repl] [--reset]
                      [--product-config <file|url>]
${VERB_USAGE}

--product-config takes the products (metadata schema, deployment actions, REPL) from the JSON that
\`partnerkit product-config --json\` prints, read from a file or fetched once from a URL at start, in
place of --product/--action/--repl: a partner server not built with Partnerkit gets its real forms.

The Marketplace it emulates is kept in .partnerkit/ between runs; --reset starts it empty.
The verbs drive a running emulator (--emulator-url, default $EMULATOR_URL or
http://localhost:$EMULATOR_PORT, port 3100) and print JSON; the exit code is 1 when the step failed,
e.g. a deployment not ready or a tampered delivery that the partner did not refuse with a 4xx.
`;

/** `partnerkit emulator`: the Marketplace emulator alone in front of any partner server, or a verb. */
export async function emulatorCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const [first, ...rest] = args;
  if (first && first in VERBS) {
    return runEmulatorVerb(first, rest, env, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  }
  if (first === "help") {
    process.stdout.write(EMULATOR_USAGE);
    return 0;
  }
  const { values } = parseCommand(EMULATOR_USAGE, {
    args,
    options: {
      "partner-url": { type: "string", default: "http://localhost:3000" },
      "webhook-url": { type: "string" },
      port: { type: "string", default: env.EMULATOR_PORT ?? "3100" },
      product: { type: "string", multiple: true, default: ["acme-kv"] },
      action: { type: "string", multiple: true, default: [] },
      // The products declare a resource REPL: the console offers its panel.
      repl: { type: "boolean", default: false },
      reset: { type: "boolean", default: false },
      "product-config": { type: "string" },
    },
  });
  const configured = values["product-config"];
  const products = configured
    ? await loadProductConfig(configured).catch((error: unknown) => {
        throw new UsageError(
          `--product-config: ${error instanceof Error ? error.message : String(error)}`,
          EMULATOR_USAGE,
        );
      })
    : values.product.map((id) => ({
        id,
        actions: values.action.map((slug) => ({ slug })),
        repl: values.repl,
      }));
  if (values.reset) {
    // The partner's database is not ours to empty here: it may be any server.
    for (const line of await resetDevState(env, { database: false }))
      process.stdout.write(`${line}\n`);
  }
  const running = await startEmulator({
    partnerUrl: values["partner-url"],
    webhookUrl: values["webhook-url"],
    port: Number(values.port),
    env,
    products,
  });
  process.stdout.write(
    `Marketplace emulator at ${running.url}, driving ${values["partner-url"]} (webhooks to ${running.webhookUrl}).\nConfigure the partner with:\n${partnerConfiguration(running)}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await running.close();
  return 0;
}
