import type { Logger } from "pino";
import type { VerifiedCaller } from "../protocol/claims.ts";
import type { CallScope } from "../vercel/call-scope.ts";

/** Who is calling and how to log about it; built by the HTTP layer from a verified token. */
export interface RequestContext {
  caller: VerifiedCaller;
  requestId: string;
  log: Logger;
  /** When the request arrived (`performance.now()`); reads must reflect every write before it. */
  receivedAt?: number;
  /** What bounds the calls to Vercel made for it: a request's budget, a job's signal. */
  calls?: CallScope;
}
