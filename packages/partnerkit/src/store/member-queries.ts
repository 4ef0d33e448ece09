import type { Kysely, Selectable } from "kysely";
import { reusableQuery } from "./reusable-query.ts";
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

// Every member change runs it: built once (see reusableQuery), the update taking the new values
// from `excluded` so that each parameter is used once.
const upsertMember = reusableQuery(
  (
    db: Kysely<Tables>,
    installationId: string,
    userId: string,
    role: MemberRole | "NONE",
    globalUserId: string | null,
    email: string | null,
    changedAtMs: number,
    eventId: string,
    createdAt: string,
    updatedAt: string,
  ) =>
    db
      .insertInto("members")
      .values({
        installation_id: installationId,
        member_id: userId,
        role,
        global_user_id: globalUserId,
        user_email: email,
        changed_at_ms: changedAtMs,
        event_id: eventId,
        created_at: createdAt,
        updated_at: updatedAt,
      })
      .onConflict((conflict) =>
        conflict
          .columns(["installation_id", "member_id"])
          .doUpdateSet((eb) => ({
            role: eb.ref("excluded.role"),
            global_user_id: eb.ref("excluded.global_user_id"),
            user_email: eb.ref("excluded.user_email"),
            changed_at_ms: eb.ref("excluded.changed_at_ms"),
            event_id: eb.ref("excluded.event_id"),
            updated_at: eb.ref("excluded.updated_at"),
          }))
          .whereRef("members.changed_at_ms", "<", "excluded.changed_at_ms"),
      )
      .returning("member_id"),
);

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
    const applied = await upsertMember(
      this.db,
      change.installationId,
      change.userId,
      change.role,
      // A removed member's details are dropped; the row stays only to hold the time.
      removed ? null : (change.globalUserId ?? null),
      removed ? null : (change.email ?? null),
      change.changedAtMs,
      change.eventId,
      at,
      at,
    );
    return applied.length > 0;
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
