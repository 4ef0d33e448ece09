import type { Logger } from "pino";
import {
  ConfigurationScopeChangePayload,
  ConfigurationTransferredPayload,
  MemberChangedPayload,
} from "../protocol/webhooks.ts";
import type { StoredWebhookEvent } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import type { Members } from "./members.ts";

/**
 * The framework's own reaction to the account events of a delivery about `installationId`,
 * before the provider's handlers: members, scopes, the owning account. A payload that does not
 * parse throws, so the delivery's job retries and then waits, dead, for an operator.
 */
export async function applyAccountEvent(
  store: Store,
  members: Members,
  installationId: string,
  event: Pick<StoredWebhookEvent, "id" | "type" | "createdAt" | "payload">,
  log: Logger,
): Promise<void> {
  switch (event.type) {
    case "marketplace.member.changed":
      return members.applyChange(
        installationId,
        MemberChangedPayload.parse(event.payload),
        event,
        log,
      );
    case "integration-configuration.scope-change-confirmed":
      return applyScopeChange(
        store,
        installationId,
        ConfigurationScopeChangePayload.parse(event.payload),
        log,
      );
    case "integration-configuration.transferred":
      return applyTransfer(
        store,
        installationId,
        ConfigurationTransferredPayload.parse(event.payload),
        log,
      );
  }
}

/**
 * `integration-configuration.scope-change-confirmed` (spec §6.4): the installation's stored
 * scopes become the confirmed list. A payload without the list changes nothing.
 */
export async function applyScopeChange(
  store: Store,
  installationId: string,
  payload: ConfigurationScopeChangePayload,
  log: Logger,
): Promise<void> {
  const scopes = payload.configuration?.scopes;
  if (!scopes) {
    log.warn("scope change without scopes; installation left as is");
    return;
  }
  const applied = await store.configurations.setScopes(installationId, scopes);
  log.info({ scopes, applied }, "installation scopes changed");
}

/**
 * `integration-configuration.transferred` (spec §6.4): the installation now belongs to
 * `newAccountId`, the account in the tokens Vercel sends from now on. Only a transfer from the
 * stored account (or an unknown one) is applied; one naming another previous account is logged
 * and left for an operator, since the order of two transfers cannot be told from their payloads.
 */
export async function applyTransfer(
  store: Store,
  installationId: string,
  payload: ConfigurationTransferredPayload,
  log: Logger,
): Promise<void> {
  const to = payload.newAccountId;
  const details = {
    previousTeamId: payload.previousTeamId,
    newTeamId: payload.newTeamId,
    previousAccountId: payload.previousAccountId,
    newAccountId: to,
  };
  if (!to) {
    log.warn(details, "installation transferred without a new account id; left as is");
    return;
  }
  const applied = await store.configurations.transferAccount(
    installationId,
    payload.previousAccountId ?? undefined,
    to,
  );
  if (applied) log.info(details, "installation transferred");
  else log.warn(details, "transfer not applied: no live installation on its previous account");
}
