import { exitWith } from "./exit.ts";
import { defaultIntegration } from "./load-integration.ts";
import { serveUntilSignal } from "./serve.ts";

/**
 * The entry of a server written by `partnerkit build`: `partnerkit start` for the integration
 * bundled with it. `importIntegration` is a dynamic import, so the port opens before it loads.
 */
export function runBuiltServer(
  name: string,
  importIntegration: () => Promise<{ default?: unknown }>,
) {
  exitWith(
    serveUntilSignal({
      env: process.env,
      name,
      loadIntegration: async () => defaultIntegration(await importIntegration(), name),
    }),
  );
}
