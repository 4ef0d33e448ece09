import type { Logger } from "pino";
import type { VerifiedCaller } from "../protocol/claims.ts";
import type { CallScope } from "../vercel/call-scope.ts";

/** Typed Hono variables shared by the middleware and routes. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** `performance.now()` when the request arrived. */
    receivedAt: number;
    log: Logger;
    caller: VerifiedCaller;
    /** Set with `caller`: what bounds the calls to Vercel made while answering. */
    calls: CallScope;
  };
}
