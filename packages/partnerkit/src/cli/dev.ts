import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createEmulator } from "../emulator/emulator.ts";
import { describeProducts } from "../emulator/integration-products.ts";
import { DEV_DIRECTORY, devEnvironment } from "./dev-environment.ts";
import { integrationFlag, integrationOption, requiredIntegrationPath } from "./integration-flag.ts";
import { isTypeScript, loadIntegration } from "./load-integration.ts";
import { parseCommand } from "./parse.ts";

type Env = Record<string, string | undefined>;

const USAGE = `Usage: partnerkit dev --integration <module>

  Starts the Marketplace emulator (EMULATOR_PORT, default 3100) and the integration's server
  (PORT, default 3000) wired to each other, with a client id and secret, an encryption key and an
  SQLite database made once under .partnerkit/. The server restarts when its code changes.

${integrationOption}
`;

/**
 * `partnerkit dev`: the emulator in this process and `partnerkit start` in a child that restarts
 * when the integration code changes, wired to each other with no configuration.
 */
export async function devCommand(args: string[], baseEnv: Env): Promise<number> {
  const { values } = parseCommand(USAGE, { args, options: integrationFlag });
  const integrationPath = requiredIntegrationPath(values, baseEnv, USAGE);
  const products = await describeProducts(await loadIntegration(integrationPath));
  const env = await devEnvironment(baseEnv);
  const partnerPort = Number(env.PORT || 3000);
  const emulatorPort = Number(env.EMULATOR_PORT || 3100);
  const emulatorUrl = `http://localhost:${emulatorPort}`;
  const partnerUrl = `http://localhost:${partnerPort}`;

  const emulator = await createEmulator({
    url: emulatorUrl,
    partnerUrl,
    clientId: env.INTEGRATION_CLIENT_ID ?? "",
    clientSecret: env.INTEGRATION_CLIENT_SECRET ?? "",
    keyFile: join(env.PARTNERKIT_DEV_DIR ?? DEV_DIRECTORY, "emulator-key.json"),
    products,
  });
  const emulatorServer = serve({ fetch: emulator.fetch, port: emulatorPort });

  const partner = spawn(process.execPath, watchedStart(process.argv[1] ?? "", integrationPath), {
    stdio: "inherit",
    env: {
      ...env,
      PORT: String(partnerPort),
      VERCEL_OIDC_ISSUER: emulatorUrl,
      VERCEL_OIDC_JWKS_URL: `${emulatorUrl}/.well-known/jwks`,
      VERCEL_API_URL: emulatorUrl,
      LOG_LEVEL: env.LOG_LEVEL ?? "info",
    },
  });

  process.stdout.write(
    [
      "",
      `  Marketplace emulator  ${emulatorUrl}   ← open this to install, provision and inspect`,
      `  Partner server        ${partnerUrl}   (${integrationPath}, restarts when its code changes)`,
      `  Client id             ${env.INTEGRATION_CLIENT_ID}`,
      "",
      "",
    ].join("\n"),
  );

  const exitCode = await new Promise<number>((resolve) => {
    const stop = () => {
      partner.kill("SIGTERM");
      resolve(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    partner.once("exit", (code) => resolve(code ?? 1));
  });
  await new Promise<void>((resolve) => emulatorServer.close(() => resolve()));
  return exitCode;
}

/**
 * Node's arguments for `partnerkit start` under a watcher: tsx's when the CLI or the integration
 * is TypeScript, Node's own `--watch` otherwise. Export conditions given to this process carry over.
 */
function watchedStart(cliEntry: string, integrationPath: string): string[] {
  const conditions = process.execArgv.filter((flag) => flag.startsWith("--conditions"));
  const start = [cliEntry, "start", "--integration", integrationPath];
  const tsxCli = isTypeScript(cliEntry) || isTypeScript(integrationPath) ? tsxCliPath() : undefined;
  if (tsxCli) return [tsxCli, "watch", "--clear-screen=false", ...conditions, ...start];
  return [...conditions, "--watch", ...start];
}

function tsxCliPath(): string | undefined {
  try {
    return createRequire(join(process.cwd(), "package.json")).resolve("tsx/cli");
  } catch {
    try {
      return createRequire(import.meta.url).resolve("tsx/cli");
    } catch {
      return undefined;
    }
  }
}
