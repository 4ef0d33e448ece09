import { integrationOf } from "../emulator/integration-products.ts";
import { type ConfigProblem, checkProductConfigs } from "../product/config-check.ts";
import { type IntegrationConfig, productConfig } from "../product/product-config.ts";
import type { ProductConfiguration } from "../product/product-configuration.ts";
import { integrationFlag, integrationOption, requiredIntegrationPath } from "./integration-flag.ts";
import { loadIntegration } from "./load-integration.ts";
import { parseCommand } from "./parse.ts";

const USAGE = `Usage: partnerkit product-config [--integration <module>] [--public-url <url>] [--check] [--json]

  Prints what to enter in Vercel's Integrations Console for each product of the integration:
  its slug, name, protocols, deployment actions and the Metadata Schema (Vercel's dialect,
  produced from the product's zod schema), then the integration's URLs.

${integrationOption}
      --public-url <url>      where the server is reachable, for the Base, Redirect Login and
                              Webhook URLs. Default: PUBLIC_URL
      --check                 check each product configuration against what the console takes;
                              exit 1 on an error (warnings are printed, exit 0)
      --json                  one JSON document instead of the text
`;

/** `partnerkit product-config`: the console's product configuration of an integration. */
export async function productConfigCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { values } = parseCommand(USAGE, {
    args,
    options: {
      ...integrationFlag,
      "public-url": { type: "string" },
      check: { type: "boolean" },
      json: { type: "boolean" },
    },
  });
  const modulePath = requiredIntegrationPath(values, env, USAGE);
  const integration = await integrationOf(await loadIntegration(modulePath));
  const publicUrl = values["public-url"] ?? (env.PUBLIC_URL || undefined);
  const config = productConfig(integration, { publicUrl });
  const problems = values.check ? checkProductConfigs(config.products) : undefined;
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ ...config, ...(problems && { problems }) }, null, 2)}\n`
      : describe(config, problems),
  );
  return problems?.some((problem) => problem.level === "error") ? 1 : 0;
}

function describe(config: IntegrationConfig, problems: ConfigProblem[] | undefined): string {
  const lines = config.products.flatMap(describeProduct);
  if (config.urls) {
    lines.push(
      "Integration URLs:",
      `  Base URL            ${config.urls.baseUrl}`,
      `  Redirect Login URL  ${config.urls.redirectLoginUrl}`,
      `  Webhook URL         ${config.urls.webhookUrl}`,
    );
  } else {
    lines.push("Set PUBLIC_URL or pass --public-url to print the integration's URLs.");
  }
  if (problems) {
    lines.push("");
    for (const problem of problems) {
      lines.push(`${problem.level.toUpperCase()} ${problem.product}: ${problem.message}`);
    }
    const errors = problems.filter((problem) => problem.level === "error").length;
    lines.push(`check: ${errors} error(s), ${problems.length - errors} warning(s)`);
  }
  return `${lines.join("\n")}\n`;
}

function describeProduct(product: ProductConfiguration): string[] {
  const protocols = Object.entries(product.protocols)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}${value?.status === "disabled" ? " (disabled)" : ""}`);
  const repl = product.protocols.storage?.repl;
  const actions = product.deploymentActions.map(
    (action) => `${action.slug}${action.name ? ` (${action.name})` : ""}`,
  );
  return [
    `Product ${product.slug}: ${product.name}`,
    `  Protocols: ${protocols.join(", ") || "none"}${
      product.primaryProtocol ? `; primary ${product.primaryProtocol}` : ""
    }`,
    ...(repl
      ? [
          `  REPL: ${repl.enabled ? "enabled" : "disabled"}, read-only mode ${
            repl.supportsReadOnlyMode ? "supported" : "not supported"
          }${repl.welcomeMessage ? `, welcome message "${repl.welcomeMessage}"` : ""}`,
        ]
      : []),
    `  Deployment actions: ${actions.join(", ") || "none"}`,
    "  Metadata Schema (paste in the product's Metadata Schema field):",
    JSON.stringify(product.metadataSchema, null, 2),
    "",
  ];
}
