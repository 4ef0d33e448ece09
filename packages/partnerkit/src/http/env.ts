import type { Logger } from "pino";
import type { VerifiedCaller } from "../protocol/claims.ts";

/** Typed Hono variables shared by the middleware and routes. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** `performance.now()` when the request arrived. */
    receivedAt: number;
    log: Logger;
    caller: VerifiedCaller;
  };
}
