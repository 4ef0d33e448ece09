import type { Emulator } from "../emulator.ts";
import type { MarketplaceIssuer } from "../issuer.ts";
import { maskSecrets } from "../mask.ts";
import type { PartnerAnswer, PartnerCall, PartnerClient } from "../partner-client.ts";
import type { CheckOutcome } from "./report.ts";

export interface ConformanceTarget {
  partner: PartnerClient;
  issuer: MarketplaceIssuer;
  productId: string;
  metadata: Record<string, unknown>;
  /** A metadata object the product must refuse (400 with fields); without one that check is skipped. */
  invalidMetadata?: Record<string, unknown>;
  billingPlanId?: string;
  /** REPL commands of the product (spec §4.11): one that only reads, one that writes. */
  repl?: { read: string; write: string };
  webhook?: { url: string; secret: string; fetch: (request: Request) => Promise<Response> };
  /** A deployment action slug of the product, to check the action round trip (spec §7). */
  action?: string;
  /** A deployment check of the product, to check the check run round trip (spec §8). */
  check?: string;
  /**
   * Run the experimentation round trip (spec §5.18, §11.3): `--flags`. It needs `emulator`, whose
   * Vercel API receives the partner's flags configuration.
   */
  flags?: boolean;
  /** Whether the product declares the experimentation protocol; undefined when its definition is unknown. */
  experimentation?: boolean;
  /** The emulator the partner trusts and reports to; needed by the action, check, flags and billing checks. */
  emulator?: Emulator;
  /** Why there is no `emulator` to report to, shown by the checks that need one. */
  emulatorMissing?: string;
  /** How long an action may take to report its final status; 30 s by default. */
  actionTimeoutMs?: number;
  /** How long a check may take to conclude its run; 30 s by default. */
  checkTimeoutMs?: number;
  /** How long the partner may take to push a flags configuration Vercel accepts; 15 s by default. */
  flagsTimeoutMs?: number;
  /** How long a resource without syncing is watched for a push that must not come; 2.5 s by default. */
  flagsQuietMs?: number;
  /**
   * Accepts the terms for an installation (Upsert Installation, §4.2); `partner.install` unless the
   * partner reports to an emulator in another process, which must then know the installation.
   */
  install?: (installationId: string, accountId: string) => Promise<{ accountId: string }>;
}

/** Makes an installation as the target says, throwing `PartnerCallError` when the partner refuses. */
export function installOn(target: ConformanceTarget, installationId: string, accountId: string) {
  return target.install
    ? target.install(installationId, accountId)
    : target.partner.install({ installationId, accountId });
}

/** State the checks share: the installation and resource the happy path creates. */
export interface ConformanceState {
  installationId: string;
  accountId: string;
  resourceId?: string;
  planId?: string;
  deploymentId?: string;
  /** The check run the check round trip concluded. */
  checkRunId?: string;
  /** The experimentation round trip's resources: provisioned with an Edge Config, and without. */
  flags?: { syncedResourceId?: string; unsyncedResourceId?: string };
}

export interface Check {
  id: string;
  /** The spec section the check is about. */
  section: string;
  title: string;
  run(target: ConformanceTarget, state: ConformanceState): Promise<CheckOutcome>;
}

export const pass = (detail?: string): CheckOutcome => ({ status: "pass", detail });
export const warn = (detail: string): CheckOutcome => ({ status: "warn", detail });
export const fail = (detail: string): CheckOutcome => ({ status: "fail", detail });
export const skip = (detail: string): CheckOutcome => ({ status: "skip", detail });

/** A call the suite made and the partner's answer, described the same way in every verdict. */
export interface Exchange {
  sent: string;
  answer: PartnerAnswer;
}

/** Sends `call` and keeps what was sent beside the answer, for the verdict to name both. */
export async function exchange(target: ConformanceTarget, call: PartnerCall): Promise<Exchange> {
  const auth = call.role ? `${call.role} ${call.auth}` : call.auth;
  const token = call.auth === "none" ? "" : ` (${auth} token)`;
  return {
    sent: `${call.method} ${call.path}${token}`,
    answer: await target.partner.send(call),
  };
}

const EXCERPT = 160;

/** `sent GET /v1/… → answered 500 body…`, secret values masked: what a FAIL must say. */
export function described({ sent, answer }: Exchange): string {
  const body =
    answer.body === undefined || answer.body === null || answer.body === ""
      ? ""
      : ` ${typeof answer.body === "string" ? answer.body : JSON.stringify(maskSecrets(answer.body))}`;
  const excerpt = body.length > EXCERPT ? `${body.slice(0, EXCERPT)}…` : body;
  return `sent ${sent} → answered ${answer.status}${excerpt}`;
}

/** Whether a body is the spec's error body (§3.3): `{ error: { code, message } }`. */
export function isErrorBody(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return typeof error?.code === "string" && typeof error?.message === "string";
}

/** A WARN for a 4xx whose body is not the error body (§3.3), else undefined. */
function errorBodyRemark({ answer }: Exchange): string | undefined {
  return answer.status >= 400 && !isErrorBody(answer.body)
    ? `${answer.status} without the error body { error: { code, message } } (§3.3)`
    : undefined;
}

/**
 * Passes when the status is one of `statuses`; a 4xx without the error body passes with a WARN,
 * since Vercel shows a generic message then rather than failing the call.
 */
export function expectAnswer(done: Exchange, statuses: number[]): CheckOutcome {
  if (!statuses.includes(done.answer.status)) {
    return fail(`${described(done)}; expected ${statuses.join(" or ")}`);
  }
  const remark = errorBodyRemark(done);
  return remark ? warn(remark) : pass(`${done.answer.status}`);
}

/**
 * The security verdict of a call that must be refused: any 4xx is a refusal (PASS), a 2xx lets
 * the caller in and a 5xx is a crash (FAIL). Another 4xx than `preferred`, or a body that is not
 * the error body, is a WARN on the format.
 */
export function expectRefusal(done: Exchange, preferred: number[]): CheckOutcome {
  const { status } = done.answer;
  if (status < 400)
    return fail(`accepted: ${described(done)}; expected a refusal (${preferred.join(" or ")})`);
  if (status >= 500) return fail(`crashed instead of refusing: ${described(done)}`);
  const remarks = [
    preferred.includes(status)
      ? undefined
      : `refused with ${status}; the spec names ${preferred.join(" or ")}`,
    errorBodyRemark(done),
  ].filter((remark) => remark !== undefined);
  return remarks.length > 0
    ? warn(`refused; ${remarks.join("; ")}`)
    : pass(`refused with ${status}`);
}
