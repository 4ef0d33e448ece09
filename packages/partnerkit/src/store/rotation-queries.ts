import { randomBytes } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { Secret } from "../protocol/common.ts";
import type { NewSecretRotation, SecretRotationRecord } from "./records.ts";
import { previousSecretsContext } from "./sealed-contexts.ts";
import type { SecretBox } from "./secret-box.ts";
import type { SecretRotationsTable, Tables } from "./tables.ts";

/** Secret rotations of resources (spec §4.10); the replaced secrets are sealed at rest. */
export class RotationQueries {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly box: SecretBox,
  ) {}

  async insert(rotation: NewSecretRotation): Promise<SecretRotationRecord> {
    const at = new Date().toISOString();
    const id = `rot_${randomBytes(10).toString("hex")}`;
    const row = {
      id,
      installation_id: rotation.installationId,
      resource_id: rotation.resourceId,
      status: rotation.status,
      reason: rotation.reason,
      delay_hours: rotation.delayHours,
      previous_secrets: this.box.seal(
        JSON.stringify(rotation.previousSecrets),
        previousSecretsContext(id),
      ),
      expires_at: null,
      revoked_at: null,
      created_at: at,
      updated_at: at,
    };
    await this.db.insertInto("secret_rotations").values(row).execute();
    return this.toRecord(row);
  }

  async get(id: string): Promise<SecretRotationRecord | undefined> {
    const row = await this.db
      .selectFrom("secret_rotations")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && this.toRecord(row);
  }

  /** A rotation of the resource whose new secrets have not reached Vercel yet. */
  async unfinished(resourceId: string): Promise<SecretRotationRecord | undefined> {
    const row = await this.db
      .selectFrom("secret_rotations")
      .selectAll()
      .where("resource_id", "=", resourceId)
      .where("status", "in", ["requested", "rotated"])
      .executeTakeFirst();
    return row && this.toRecord(row);
  }

  /** Moves a rotation on only from one of `from`; false when it was elsewhere. */
  async transition(
    id: string,
    from: SecretRotationRecord["status"][],
    to: { status: SecretRotationRecord["status"]; expiresAt?: string },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("secret_rotations")
      .set({
        status: to.status,
        ...(to.expiresAt !== undefined && { expires_at: to.expiresAt }),
        updated_at: new Date().toISOString(),
      })
      .where("id", "=", id)
      .where("status", "in", from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Marks an unfinished rotation as still worked on (its `updatedAt`); false once it is not. */
  async renew(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable("secret_rotations")
      .set({ updated_at: new Date().toISOString() })
      .where("id", "=", id)
      .where("status", "in", ["requested", "rotated"])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Records the revocation once; false when it was already recorded. */
  async markRevoked(id: string): Promise<boolean> {
    const at = new Date().toISOString();
    const result = await this.db
      .updateTable("secret_rotations")
      .set({ revoked_at: at, updated_at: at })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  private toRecord(row: Selectable<SecretRotationsTable>): SecretRotationRecord {
    return {
      id: row.id,
      installationId: row.installation_id,
      resourceId: row.resource_id,
      status: row.status,
      reason: row.reason,
      delayHours: Number(row.delay_hours),
      previousSecrets: JSON.parse(
        this.box.open(row.previous_secrets, previousSecretsContext(row.id)),
      ) as Secret[],
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}
