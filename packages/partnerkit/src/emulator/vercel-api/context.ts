import type { VercelEvent } from "../../protocol/vercel-api.ts";
import type { EmulatorState } from "../state.ts";
import type { DeploymentActionRecord, VercelApiState } from "./store.ts";

/**
 * Hono variables of the fake: the installation the bearer token belongs to, once known, the
 * body keys the request schema does not know (see `unknown-fields.ts`), and what else a route
 * found the partner should fix in a call it accepted.
 */
export interface VercelApiEnv {
  Variables: { installationId?: string; unknownFields?: string[]; warnings?: string[] };
}

/** What every route group of the fake reads and writes. */
export interface VercelApiDeps {
  state: EmulatorState;
  store: VercelApiState;
  /**
   * Called after Create Event has answered, as Vercel reacts to an event by re-reading the
   * installation or resource (spec §5.5); the emulator wires its partner client here.
   */
  onEvent?: (installationId: string, event: VercelEvent) => unknown;
  /** Called after a deployment action report was accepted: the deployment may now be ready. */
  onActionReport?: (record: DeploymentActionRecord) => unknown;
  /** The integration's client credentials, checked by credential rotation (spec §5.4). */
  client?: { id: string; secret: string };
}

/** Where the fake says what a partner should fix although the call was accepted. */
export type Warn = (message: string) => void;
