import type { Emulator } from "../emulator.ts";
import type { MarketplaceIssuer } from "../issuer.ts";
import type { PartnerAnswer, PartnerClient } from "../partner-client.ts";

export interface ConformanceTarget {
  partner: PartnerClient;
  issuer: MarketplaceIssuer;
  productId: string;
  metadata: Record<string, unknown>;
  /** A metadata object the product must refuse (400 with fields). */
  invalidMetadata: Record<string, unknown>;
  billingPlanId?: string;
  /** REPL commands of the product (spec §4.11): one that only reads, one that writes. */
  repl?: { read: string; write: string };
  webhook?: { url: string; secret: string; fetch: (request: Request) => Promise<Response> };
  /** A deployment action slug of the product, to check the action round trip (spec §7). */
  action?: string;
  /** The emulator the partner trusts and reports to; needed by the action checks. */
  emulator?: Emulator;
  /** How long an action may take to report its final status; 30 s by default. */
  actionTimeoutMs?: number;
}

/** State the checks share: the installation and resource the happy path creates. */
export interface ConformanceState {
  installationId: string;
  accountId: string;
  resourceId?: string;
  planId?: string;
  deploymentId?: string;
}

export type CheckOutcome = { status: "pass" | "fail" | "skip"; detail?: string };

export interface Check {
  id: string;
  /** The spec section the check is about. */
  section: string;
  title: string;
  run(target: ConformanceTarget, state: ConformanceState): Promise<CheckOutcome>;
}

export const pass = (detail?: string): CheckOutcome => ({ status: "pass", detail });
export const fail = (detail: string): CheckOutcome => ({ status: "fail", detail });
export const skip = (detail: string): CheckOutcome => ({ status: "skip", detail });

/** Whether a body is the spec's error body (§3.3): `{ error: { code, message } }`. */
export function isErrorBody(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return typeof error?.code === "string" && typeof error?.message === "string";
}

/** Passes when the status is one of `statuses` and, for 4xx, the body is an error body. */
export function expectAnswer(
  answer: PartnerAnswer,
  statuses: number[],
  what: string,
): CheckOutcome {
  if (!statuses.includes(answer.status)) {
    return fail(`${what}: answered ${answer.status}, expected ${statuses.join(" or ")}`);
  }
  if (answer.status >= 400 && !isErrorBody(answer.body)) {
    return fail(`${what}: ${answer.status} without the error body { error: { code, message } }`);
  }
  return pass(`${answer.status}`);
}
