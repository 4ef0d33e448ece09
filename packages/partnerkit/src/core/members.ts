import type { Logger } from "pino";
import type { MemberChangedPayload } from "../protocol/webhooks.ts";
import type { MemberRecord } from "../store/member-queries.ts";
import type { Store } from "../store/store.ts";

export type { MemberRecord, MemberRole } from "../store/member-queries.ts";

/** Read access to the members the framework keeps (`ctx.members`, `services.members`). */
export interface MemberDirectory {
  /** The installation's current members (removed ones are gone), by Vercel user id. */
  list(installationId: string): Promise<MemberRecord[]>;
  /** A current member by Vercel user id (the `user_id` claim of an SSO or user token). */
  find(installationId: string, userId: string): Promise<MemberRecord | undefined>;
}

/**
 * Who may use an installation, kept from `marketplace.member.changed` (spec §6.4): role ADMIN or
 * USER, NONE removes the member. Users are keyed by Vercel user id, never by e-mail, which may be
 * missing and can change.
 */
export class Members implements MemberDirectory {
  constructor(private readonly store: Store) {}

  list(installationId: string): Promise<MemberRecord[]> {
    return this.store.members.list(installationId);
  }

  find(installationId: string, userId: string): Promise<MemberRecord | undefined> {
    return this.store.members.find(installationId, userId);
  }

  /**
   * The framework's reaction to a delivery, before the provider's handlers: applied in the order
   * of the events' times, so a redelivery or an older event arriving late changes nothing.
   */
  async applyChange(
    installationId: string,
    payload: MemberChangedPayload,
    event: { id: string; createdAt: number },
    log: Logger,
  ): Promise<void> {
    const applied = await this.store.members.apply({
      installationId,
      userId: payload.memberId,
      role: payload.role,
      globalUserId: payload.globalUserId,
      email: payload.userEmail,
      changedAtMs: event.createdAt,
      eventId: event.id,
    });
    log.info(
      { memberId: payload.memberId, role: payload.role, applied },
      applied ? "member changed" : "older member change ignored",
    );
  }
}
