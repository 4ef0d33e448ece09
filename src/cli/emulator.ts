import { parseArgs } from "node:util";
import { partnerConfiguration, startEmulator } from "./emulator-setup.ts";

/** `partnerkit emulator`: the Marketplace emulator alone, in front of any partner server. */
export async function emulatorCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      "partner-url": { type: "string", default: "http://localhost:3000" },
      port: { type: "string", default: env.EMULATOR_PORT ?? "3100" },
    },
  });
  const running = await startEmulator({
    partnerUrl: values["partner-url"],
    port: Number(values.port),
    env,
  });
  process.stdout.write(
    `Marketplace emulator at ${running.url}, driving ${values["partner-url"]}.\nConfigure the partner with:\n${partnerConfiguration(running)}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await running.close();
  return 0;
}
