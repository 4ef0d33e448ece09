import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { z } from "zod";
import { AcmeKvMetadata } from "../demo/acme-kv/integration.ts";
import type { MetadataSchema } from "../emulator/console/metadata-form.ts";
import { createEmulator } from "../emulator/emulator.ts";
import { DEV_DIRECTORY, devEnvironment } from "./dev-environment.ts";

type Env = Record<string, string | undefined>;

/**
 * `partnerkit dev`: the emulator in this process and the partner server in a child that restarts
 * when the integration code changes, wired to each other with no configuration.
 */
export async function runDev(baseEnv: Env): Promise<number> {
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
    products: [
      {
        id: "acme-kv",
        name: "Acme KV",
        metadataSchema: z.toJSONSchema(AcmeKvMetadata) as MetadataSchema,
        actions: [{ slug: "branch", name: "Branch the database for the deployment" }],
        repl: true,
      },
    ],
  });
  const emulatorServer = serve({ fetch: emulator.fetch, port: emulatorPort });

  const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
  const partner = spawn(
    process.execPath,
    [tsxCli, "watch", "--clear-screen=false", "src/cli/main.ts", "start"],
    {
      stdio: "inherit",
      env: {
        ...env,
        PORT: String(partnerPort),
        VERCEL_OIDC_ISSUER: emulatorUrl,
        VERCEL_OIDC_JWKS_URL: `${emulatorUrl}/.well-known/jwks`,
        VERCEL_API_URL: emulatorUrl,
        LOG_LEVEL: env.LOG_LEVEL ?? "info",
      },
    },
  );

  process.stdout.write(
    [
      "",
      `  Marketplace emulator  ${emulatorUrl}   ← open this to install, provision and inspect`,
      `  Partner server        ${partnerUrl}   (Acme KV, restarts when its code changes)`,
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
