import type { Logger } from "pino";
import type { MemberChangedPayload } from "../protocol/webhooks.ts";
import { groupCommit } from "../store/group-commit.ts";
import type { MemberChange, MemberRecord } from "../store/member-queries.ts";
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
  /**
   * The changes of the jobs a claim started together share one transaction (group commit): alone,
   * each was a commit of its own, which on SQLite writes every page it touched and takes the WAL
   * locks again. The batch joins one step of those jobs, not the whole turn: a job that waited for
   * the next turn would stop its pool claiming ahead, and processing fell behind ingestion.
   */
  private readonly apply: (change: MemberChange) => Promise<boolean>;

  constructor(private readonly store: Store) {
    this.apply = groupCommit(store, applyInTurn, { window: "step" });
  }

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
    const applied = await this.apply({
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

/** Each change in the order it came; the upsert's condition orders changes of one member. */
async function applyInTurn(store: Store, changes: MemberChange[]): Promise<boolean[]> {
  const applied: boolean[] = [];
  for (const change of changes) applied.push(await store.members.apply(change));
  return applied;
}
