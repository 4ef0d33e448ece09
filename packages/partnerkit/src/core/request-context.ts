import type { Logger } from "pino";
import type { VerifiedCaller } from "../protocol/claims.ts";

/** Who is calling and how to log about it; built by the HTTP layer from a verified token. */
export interface RequestContext {
  caller: VerifiedCaller;
  requestId: string;
  log: Logger;
  /** When the request arrived (`performance.now()`); reads must reflect every write before it. */
  receivedAt?: number;
}
