import { writeFile } from "node:fs/promises";
import type { ConformanceTarget } from "../emulator/conformance/check.ts";
import { junitXml } from "../emulator/conformance/junit.ts";
import {
  configuredProductProfile,
  type ProductProfile,
  productProfile,
} from "../emulator/conformance/product-profile.ts";
import { formatReport, runConformance } from "../emulator/conformance/run-conformance.ts";
import { loadProductConfig } from "../emulator/console/product-config.ts";
import { integrationOf } from "../emulator/integration-products.ts";
import {
  type ConformanceEmulator,
  conformanceEmulator,
  EmulatorUnavailable,
} from "./conformance-emulator.ts";
import { partnerConfiguration } from "./emulator-setup.ts";
import { integrationFlag, integrationPath } from "./integration-flag.ts";
import { loadIntegration } from "./load-integration.ts";
import { expectUsage, parseCommand, UsageError } from "./parse.ts";

const USAGE = `Usage: partnerkit conformance --url <partner base URL> [options]

  Beside a running \`partnerkit dev\`, its emulator and integration are found in .partnerkit/
  and used: \`partnerkit conformance --url http://localhost:3000\` needs nothing else.

  --webhook-url <url>        the partner's webhook receiver (checks signature handling)
  -i, --integration <module> the partner's integration module: product, metadata, invalid
                             metadata and REPL commands come from its first product (or --product)
  --product-config <file|url> a partner not built with Partnerkit: its products as
                             \`partnerkit product-config --json\` prints them (form defaults,
                             a metadata its schema refuses)
  --product <id>             product to provision (required without an integration module or
                             product configuration)
  --metadata <json>          valid metadata for it (default: the product form's defaults, or {})
  --invalid-metadata <json>  metadata it must refuse (default: derived from the product's schema;
                             without either, that check is skipped)
  --plan <id>                billing plan to use (default: the first selectable)
  --action <slug>            a deployment action of the product: checks its round trip (§7);
                             the partner's VERCEL_API_URL must point at this command's emulator
  --check <name>             a deployment check of the product: checks its run's round trip
                             (§8): one conclusion, its turnaround, a redelivered start, a
                             rerequest; the partner's VERCEL_API_URL must point at this emulator
  --flags                    the experimentation round trip (§5.18, §11.3) of a flags product
                             (e.g. --product acme-flags): resources provisioned and updated with
                             and without an Edge Config while this emulator answers 409/404 for
                             1.5 s; each Edge Config must get an accepted flags configuration
                             push within 15 s, a resource without one none; the partner's
                             VERCEL_API_URL must point at this emulator
  --repl-read <input>        a REPL command that only reads (default: from the product)
  --repl-write <input>       a REPL command that writes (default: from the product)
  --emulator-url <url>       use this running emulator (it must sign with .partnerkit's key);
                             default EMULATOR_URL
  --port <n>                 start an emulator of our own on this port instead (default
                             EMULATOR_PORT or 3100); the action, check, flags and billing checks
                             need one
  --json <file>              also write the report as JSON (schema: README, "Conformance report")
  --junit <file>             also write the report as JUnit XML, for CI
`;

const parseJson = (flag: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as Record<string, unknown>;
  } catch {
    throw new UsageError(`${flag} is not JSON: ${value}`, USAGE);
  }
};

/** `partnerkit conformance`: checks any partner server against the protocol; non-zero on failure. */
export async function conformanceCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { values } = parseCommand(USAGE, {
    args,
    options: {
      ...integrationFlag,
      url: { type: "string" },
      "webhook-url": { type: "string" },
      product: { type: "string" },
      "product-config": { type: "string" },
      metadata: { type: "string" },
      "invalid-metadata": { type: "string" },
      plan: { type: "string" },
      action: { type: "string" },
      check: { type: "string" },
      flags: { type: "boolean" },
      "repl-read": { type: "string" },
      "repl-write": { type: "string" },
      "emulator-url": { type: "string" },
      port: { type: "string" },
      json: { type: "string" },
      junit: { type: "string" },
    },
  });
  expectUsage(values.url, "--url is required", USAGE);
  const metadata = parseJson("--metadata", values.metadata);
  const invalidMetadata = parseJson("--invalid-metadata", values["invalid-metadata"]);
  await expectAnswering(values.url);
  let running: ConformanceEmulator;
  try {
    running = await conformanceEmulator({
      partnerUrl: values.url,
      webhookUrl: values["webhook-url"],
      emulatorUrl: values["emulator-url"] ?? (env.EMULATOR_URL || undefined),
      port: portOf(values.port),
      env,
    });
  } catch (error) {
    if (error instanceof EmulatorUnavailable) throw new UsageError(error.message, USAGE);
    throw error;
  }
  try {
    const configured = values["product-config"];
    const modulePath =
      integrationPath(values, env) ?? (configured ? undefined : running.integration);
    const profile = configured
      ? configuredProductProfile(await productsFrom(configured), values.product)
      : modulePath
        ? productProfile(await integrationOf(await loadIntegration(modulePath)), values.product)
        : undefined;
    const productId = values.product ?? profile?.productId;
    expectUsage(
      productId,
      configured || modulePath
        ? `${configured ?? modulePath} defines no product${values.product ? ` ${values.product}` : ""}`
        : "--product is required when the products are not known (--integration, --product-config, or a running `partnerkit dev`)",
      USAGE,
    );
    process.stdout.write(introduction(values.url, running, configured ?? modulePath));
    const webhookUrl = values["webhook-url"] ?? running.webhookUrl;
    const report = await runConformance({
      partner: running.emulator.partner,
      issuer: running.emulator.issuer,
      productId,
      metadata: metadata ?? profile?.metadata ?? {},
      invalidMetadata: invalidMetadata ?? profile?.invalidMetadata,
      billingPlanId: values.plan,
      action: values.action,
      check: values.check,
      flags: values.flags,
      // Unknown without a product definition: `--flags` is then taken at its word.
      experimentation: profile ? profile.experimentation === true : undefined,
      ...inProcessEmulator(running),
      repl: replCommands(values["repl-read"], values["repl-write"], profile),
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
    if (values.junit) await writeFile(values.junit, junitXml(report));
    return report.failed === 0 ? 0 : 1;
  } finally {
    await running.close();
  }
}

function portOf(flag: string | undefined): number | undefined {
  if (flag === undefined) return undefined;
  const port = Number(flag);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port is not a port: ${flag}`, USAGE);
  return port;
}

/** Any HTTP answer will do; a refused connection would otherwise fail every check alike. */
async function expectAnswering(url: string): Promise<void> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new UsageError(
      `nothing answers at ${url} (${String((error as Error).cause ?? error)})`,
      USAGE,
    );
  }
}

function introduction(url: string, running: ConformanceEmulator, modulePath?: string): string {
  const product = modulePath ? `Products from ${modulePath}.\n` : "";
  if (!running.inProcess) {
    return `Checking ${url} as the running emulator ${running.url}.\n${product}\n`;
  }
  return `Checking ${url}. ${product}The partner must be configured with:\n${partnerConfiguration(running)}\n\n`;
}

/**
 * The action, check, flags and billing checks read the emulator's own state, so it must live in this process;
 * a running emulator elsewhere makes the installations instead, so it can answer the partner.
 */
function inProcessEmulator(running: ConformanceEmulator): Partial<ConformanceTarget> {
  return running.inProcess
    ? { emulator: running.emulator }
    : {
        install: running.install,
        emulatorMissing: `the partner reports to the running emulator ${running.url}, whose state this command cannot read; run with --port <free port> and point the partner's VERCEL_API_URL there`,
      };
}

function replCommands(
  read: string | undefined,
  write: string | undefined,
  profile: ProductProfile | undefined,
): ConformanceTarget["repl"] {
  if (read !== undefined && write !== undefined) return { read, write };
  const fromProduct = profile?.repl;
  return fromProduct && { read: read ?? fromProduct.read, write: write ?? fromProduct.write };
}

/** The products of `--product-config`; a file or URL that is not one is a usage error. */
async function productsFrom(source: string) {
  try {
    return await loadProductConfig(source);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), USAGE);
  }
}
