import type { PartnerAnswer, PartnerCall } from "../partner-client.ts";
import { type ConformanceTarget, type Exchange, exchange, isErrorBody } from "./check.ts";

/** The installations and resource the optional-operation checks work on. */
export interface ExtraState {
  source: string;
  target: string;
  accountId: string;
  resourceId: string;
}

/** An optional endpoint the partner does not have: a plain 404, a 405 or a 501. */
export function notOffered(answer: PartnerAnswer): boolean {
  return (
    answer.status === 405 ||
    answer.status === 501 ||
    (answer.status === 404 && !isErrorBody(answer.body))
  );
}

/**
 * Rotation is optional and enabled per integration by Vercel (spec §4.10), and a partner may
 * answer it for a product that has none with a 422 and the error body, as Partnerkit does.
 */
export function rotationNotOffered(answer: PartnerAnswer): boolean {
  return notOffered(answer) || (answer.status === 422 && isErrorBody(answer.body));
}

export const transfersPath = (installationId: string) =>
  `/v1/installations/${installationId}/resource-transfer-requests`;

export function extraCall(
  target: ConformanceTarget,
  extra: ExtraState,
  installationId: string,
  rest: Omit<PartnerCall, "installationId">,
): Promise<Exchange> {
  return exchange(target, { ...rest, installationId, accountId: extra.accountId });
}
