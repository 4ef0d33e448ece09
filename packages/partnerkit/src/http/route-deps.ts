import type { Integration } from "../core/define-integration.ts";
import type { Services } from "../core/services.ts";
import type { idempotency } from "./idempotency.ts";
import type { TokenVerifier } from "./vercel-auth.ts";

/** What the Partner API routes answer with. */
export type RouteOptions = Pick<
  Services,
  "installations" | "resources" | "billing" | "rotations" | "repl" | "transfers"
> & {
  verify: TokenVerifier;
  idempotent: ReturnType<typeof idempotency>;
  integration: Integration;
};
