import type { Kysely, Selectable } from "kysely";
import type { MembersTable, Tables } from "./tables.ts";

export type MemberRole = "ADMIN" | "USER";

/** A Vercel user with access to an installation, as the last `marketplace.member.changed` said. */
export interface MemberRecord {
  installationId: string;
  /** The Vercel user id (`user_id` claim, `memberId` in the webhook): the only key of a member. */
  userId: string;
  role: MemberRole;
  /** Sent only when the integration has the permission for it. */
  globalUserId: string | null;
  /** Sent only when the integration has the permission for it; never an identity. */
  email: string | null;
  /** When Vercel made the change this record reflects (the event's `createdAt`), ISO-8601. */
  changedAt: string;
}

/** One member change, as a delivery carries it; role NONE removes the member. */
export interface MemberChange {
  installationId: string;
  userId: string;
  role: MemberRole | "NONE";
  globalUserId?: string;
  email?: string;
  /** The event's `createdAt`, in ms: a change older than the stored one is ignored. */
  changedAtMs: number;
  eventId: string;
}

/** The members table (migration 0014). */
export class MemberQueries {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly clock: () => Date,
  ) {}

  /**
   * Records a change unless a newer one is stored already; true when it was applied. The
   * conditional upsert is the ordering point, so a redelivery or a late, older delivery changes
   * nothing on either engine.
   */
  async apply(change: MemberChange): Promise<boolean> {
    const at = this.clock().toISOString();
    const removed = change.role === "NONE";
    const values = {
      role: change.role,
      // A removed member's details are dropped; the row stays only to hold the time.
      global_user_id: removed ? null : (change.globalUserId ?? null),
      user_email: removed ? null : (change.email ?? null),
      changed_at_ms: change.changedAtMs,
      event_id: change.eventId,
      updated_at: at,
    };
    const result = await this.db
      .insertInto("members")
      .values({
        installation_id: change.installationId,
        member_id: change.userId,
        created_at: at,
        ...values,
      })
      .onConflict((conflict) =>
        conflict
          .columns(["installation_id", "member_id"])
          .doUpdateSet(values)
          .where("members.changed_at_ms", "<", change.changedAtMs),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** The installation's current members, by user id. */
  async list(installationId: string): Promise<MemberRecord[]> {
    const rows = await this.db
      .selectFrom("members")
      .selectAll()
      .where("installation_id", "=", installationId)
      .where("role", "!=", "NONE")
      .orderBy("member_id")
      .execute();
    return rows.flatMap(toRecord);
  }

  async find(installationId: string, userId: string): Promise<MemberRecord | undefined> {
    const row = await this.db
      .selectFrom("members")
      .selectAll()
      .where("installation_id", "=", installationId)
      .where("member_id", "=", userId)
      .executeTakeFirst();
    return row ? toRecord(row)[0] : undefined;
  }
}

function toRecord(row: Selectable<MembersTable>): MemberRecord[] {
  if (row.role === "NONE") return [];
  return [
    {
      installationId: row.installation_id,
      userId: row.member_id,
      role: row.role,
      globalUserId: row.global_user_id,
      email: row.user_email,
      changedAt: new Date(Number(row.changed_at_ms)).toISOString(),
    },
  ];
}
