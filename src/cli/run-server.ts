import type { Logger } from "pino";
import type { ServerConfig } from "../config.ts";
import { startServer } from "../server.ts";

/** Serves until SIGINT/SIGTERM, then closes the server and the database. */
export async function runServer(config: ServerConfig, logger: Logger): Promise<number> {
  const server = await startServer(config, logger);
  process.stdout.write(`Partnerkit serving Acme KV at ${server.url}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  return 0;
}
