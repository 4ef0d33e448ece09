import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { serve } from "@hono/node-server";
import { createEmulator } from "../emulator/emulator.ts";
import { describeProducts } from "../emulator/integration-products.ts";
import { forgetDevEmulator, recordDevEmulator } from "./dev-emulator-record.ts";
import { devEnvironment } from "./dev-environment.ts";
import { loadPrettifier, relayLogs } from "./dev-logs.ts";
import { resetDevState } from "./dev-reset.ts";
import { devEmulatorOptions } from "./emulator-setup.ts";
import { integrationFlag, integrationOption, requiredIntegrationPath } from "./integration-flag.ts";
import { isTypeScript, loadIntegration } from "./load-integration.ts";
import { parseCommand } from "./parse.ts";
import { resolveFromProject } from "./project-module.ts";

type Env = Record<string, string | undefined>;

const USAGE = `Usage: partnerkit dev --integration <module> [--reset]

  Starts the Marketplace emulator (EMULATOR_PORT, default 3100) and the integration's server
  (PORT, default 3000) wired to each other, with a client id and secret, an encryption key and an
  SQLite database made once under .partnerkit/. The server restarts when its code changes; the
  emulated Marketplace is kept in .partnerkit/ too, so both remember the same installations.

${integrationOption}
      --reset                 start from an empty Marketplace and an empty dev database
`;

/**
 * `partnerkit dev`: the emulator in this process and `partnerkit start` in a child that restarts
 * when the integration code changes, wired to each other with no configuration.
 */
export async function devCommand(args: string[], baseEnv: Env): Promise<number> {
  const { values } = parseCommand(USAGE, {
    args,
    options: { ...integrationFlag, reset: { type: "boolean", default: false } },
  });
  const integrationPath = requiredIntegrationPath(values, baseEnv, USAGE);
  if (values.reset) {
    for (const line of await resetDevState(baseEnv, { database: true }))
      process.stdout.write(`${line}\n`);
  }
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
    products,
    ...devEmulatorOptions(env),
  });
  const emulatorServer = serve({ fetch: emulator.fetch, port: emulatorPort });
  // `partnerkit conformance` finds this emulator and the integration through the record.
  await recordDevEmulator(env, {
    url: emulatorUrl,
    partnerUrl,
    integration: resolve(integrationPath),
  });

  const prettify = await loadPrettifier();
  const partner = spawn(process.execPath, watchedStart(process.argv[1] ?? "", integrationPath), {
    stdio: ["inherit", "pipe", "inherit"],
    env: {
      ...env,
      PORT: String(partnerPort),
      VERCEL_OIDC_ISSUER: emulatorUrl,
      VERCEL_OIDC_JWKS_URL: `${emulatorUrl}/.well-known/jwks`,
      VERCEL_API_URL: emulatorUrl,
      LOG_LEVEL: env.LOG_LEVEL ?? "info",
      // Serves /docs, the reference page of /openapi.json, which `start` alone does not.
      PARTNERKIT_DEV: "1",
    },
  });

  relayLogs(partner.stdout, prettify);

  process.stdout.write(
    [
      "",
      `  Marketplace emulator  ${emulatorUrl}   ← open this to install, provision and inspect`,
      `  Partner server        ${partnerUrl}   (${integrationPath}, restarts when its code changes)`,
      `  API reference         ${partnerUrl}/docs   (${partnerUrl}/openapi.json)`,
      `  Client id             ${env.INTEGRATION_CLIENT_ID}`,
      ...(prettify
        ? []
        : ["  Logs                  JSON (add pino-pretty to devDependencies to read them)"]),
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
  await forgetDevEmulator(env);
  await new Promise<void>((closed) => emulatorServer.close(() => closed()));
  await emulator.close();
  return exitCode;
}

/**
 * Node's arguments for `partnerkit start` under a watcher: tsx's when the CLI or the integration
 * is TypeScript, Node's own `--watch` otherwise. Export conditions given to this process carry over.
 */
function watchedStart(cliEntry: string, integrationPath: string): string[] {
  const conditions = process.execArgv.filter((flag) => flag.startsWith("--conditions"));
  const start = [cliEntry, "start", "--integration", integrationPath];
  const tsxCli =
    isTypeScript(cliEntry) || isTypeScript(integrationPath)
      ? resolveFromProject("tsx/cli")
      : undefined;
  if (tsxCli) return [tsxCli, "watch", "--clear-screen=false", ...conditions, ...start];
  return [...conditions, "--watch", ...start];
}
