import { z } from "zod";
import { type JsonObject, Secret } from "../protocol/common.ts";
import type { RotateSecretsRequest, RotateSecretsResponse } from "../protocol/secrets-rotation.ts";
import { applySecrets } from "../protocol/vercel-api.ts";
import type { InstallationRecord, ResourceRecord, SecretRotationRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import type { HookContext, Integration, SecretsRotationDefinition } from "./define-integration.ts";
import type { HookContexts, HookOrigin, Work } from "./hook-context.ts";
import { keepRenewing } from "./lease-renewal.ts";
import { PartnerError } from "./partner-error.ts";
import type { RequestContext } from "./request-context.ts";
import type { ResourceService } from "./resources.ts";

export const ROTATE_SECRETS_JOB = "secrets-rotation";
export const REVOKE_SECRETS_JOB = "secrets-revocation";

export const RotationJobPayload = z.object({ rotationId: z.string() });

/** What a rotate hook may answer; checked because it goes straight to Vercel. */
const RotationResult = z.object({
  secrets: z.array(Secret).min(1),
  partial: z.boolean().optional(),
});
type RotationResult = z.infer<typeof RotationResult>;

const HOUR_MS = 60 * 60_000;
/**
 * When a synchronous rotation's request must have ended. A process that died mid-rotation left
 * it unfinished, which refuses every later rotation of the resource (409); its rotation job,
 * scheduled this long after the request, finishes or fails it (see `runRotation`).
 */
const SYNC_ROTATION_RECOVERY_MS = 5 * 60_000;

/**
 * A synchronous rotation's request renews its rotation every third of this while it runs; one
 * not renewed for this long belongs to a request that died, and the next request settles it
 * instead of answering 409 until the recovery job comes (Vercel retries a request whose
 * Idempotency-Key claim ran out, after 60 s).
 */
const SYNC_ROTATION_LEASE_MS = 30_000;

const abandoned = (rotation: SecretRotationRecord) =>
  Date.parse(rotation.updatedAt) < Date.now() - SYNC_ROTATION_LEASE_MS;

const rotationInProgress = () =>
  PartnerError.conflict("A rotation of this resource is still in progress");

/**
 * Secrets rotation, spec §4.10. A rotation remembers the secrets it replaces (sealed). Once
 * Vercel has the new ones — from the 200 answer, or from Update Resource Secrets in async mode —
 * a job is scheduled at the end of the grace period that calls the provider's `revoke`, so old
 * secrets never stop working before their replacements reached Vercel. In async mode the new
 * secrets are stored before they are pushed: a retry after a failed push sends the same ones
 * instead of rotating again.
 */
export class SecretsRotationService {
  constructor(
    private readonly integration: Integration,
    private readonly store: Store,
    private readonly resources: ResourceService,
    private readonly contexts: HookContexts,
  ) {}

  async request(
    request: RequestContext,
    installationId: string,
    resourceId: string,
    body: RotateSecretsRequest,
  ): Promise<RotateSecretsResponse> {
    const { installation, resource, product } = await this.resources.target(
      request,
      installationId,
      resourceId,
    );
    const definition = product.secretsRotation;
    if (!definition) {
      throw PartnerError.unprocessable(`Product ${product.id} does not rotate secrets`);
    }
    const open = () => this.open(installationId, resource.id, body, definition);
    const rotation = await open().catch(async (error: unknown) => {
      // The unique index on unfinished rotations refused it: one is still on its way, unless its
      // synchronous request died. Then it is settled now, as its recovery job would do later.
      const unfinished = await this.store.rotations.unfinished(resource.id);
      if (!unfinished) throw error;
      if (definition.async || !abandoned(unfinished)) throw rotationInProgress();
      await this.runRotation(unfinished.id, request);
      return open().catch(() => {
        throw rotationInProgress();
      });
    });
    if (definition.async) {
      request.log.info({ resourceId, rotationId: rotation.id }, "secrets rotation queued");
      return { sync: false };
    }
    const renewal = keepRenewing(
      () => this.store.rotations.renew(rotation.id),
      SYNC_ROTATION_LEASE_MS,
    );
    try {
      let result: RotationResult;
      try {
        const ctx = this.contexts.create(request, installation);
        result = await this.rotate(definition, ctx, resource, rotation);
      } catch (error) {
        await this.store.rotations.transition(rotation.id, ["requested"], { status: "failed" });
        throw error;
      }
      // Vercel takes the new secrets from this answer: the grace period starts now.
      await this.complete(rotation);
      return { sync: true, secrets: result.secrets, ...(result.partial && { partial: true }) };
    } finally {
      await renewal.stop();
    }
  }

  /**
   * A rotation the provider starts (its dashboard), not Vercel: nobody takes the new secrets from
   * an answer, so they are pushed to Vercel (Update Resource Secrets, §5.11) before the grace period
   * starts. Same guarantees as `request`: one unfinished rotation per resource (409 otherwise),
   * a job that finishes or fails it if this process dies, revocation only after Vercel has them.
   * An `async` product only queues it: its job rotates and pushes.
   */
  async requestByProvider(
    origin: HookOrigin,
    installation: InstallationRecord,
    resource: ResourceRecord,
    body: RotateSecretsRequest,
  ): Promise<{ queued: boolean }> {
    const definition = this.integration.product(resource.productId)?.secretsRotation;
    if (!definition) {
      throw PartnerError.unprocessable(`Product ${resource.productId} does not rotate secrets`);
    }
    const rotation = await this.open(installation.id, resource.id, body, definition).catch(
      async (error: unknown) => {
        if (await this.store.rotations.unfinished(resource.id)) throw rotationInProgress();
        throw error;
      },
    );
    if (definition.async) {
      origin.log.info(
        { resourceId: resource.id, rotationId: rotation.id },
        "secrets rotation queued",
      );
      return { queued: true };
    }
    const renewal = keepRenewing(
      () => this.store.rotations.renew(rotation.id),
      SYNC_ROTATION_LEASE_MS,
    );
    try {
      const ctx = this.contexts.create(origin, installation);
      try {
        await this.rotate(definition, ctx, resource, rotation);
      } catch (error) {
        await this.store.rotations.transition(rotation.id, ["requested"], { status: "failed" });
        throw error;
      }
      // A failed push leaves it `rotated`: its recovery job sends the stored secrets later.
      await ctx.vercel.updateResourceSecrets(
        resource.id,
        await this.store.resourceSecrets(resource.id),
      );
      await this.complete(rotation);
      ctx.log.info(
        { resourceId: resource.id, rotationId: rotation.id },
        "rotated secrets sent to Vercel",
      );
      return { queued: false };
    } finally {
      await renewal.stop();
    }
  }

  /** Records the rotation with its job, in one transaction. */
  private open(
    installationId: string,
    resourceId: string,
    body: RotateSecretsRequest,
    definition: SecretsRotationDefinition<JsonObject>,
  ): Promise<SecretRotationRecord> {
    return this.store.transaction(async (store) => {
      const created = await store.rotations.insert({
        installationId,
        resourceId,
        status: "requested",
        reason: body.reason ?? null,
        delayHours: body.delayOldSecretsExpirationHours ?? 0,
        previousSecrets: await store.resourceSecrets(resourceId),
      });
      // Async: the job does the rotation. Sync: this request does, and the job only cleans up
      // after a request that died before it finished.
      await store.enqueueJob({
        kind: ROTATE_SECRETS_JOB,
        payload: { rotationId: created.id },
        dedupeKey: `rotate:${created.id}`,
        ...(!definition.async && { runAt: new Date(Date.now() + SYNC_ROTATION_RECOVERY_MS) }),
      });
      return created;
    });
  }

  /**
   * The rotation job. Async: rotate (unless an earlier attempt did), then push to Vercel. Sync,
   * once its request must have ended: nothing to do if that request finished the rotation; if it
   * died before the hook's secrets were stored, the rotation failed (running the hook again could
   * rotate twice); if it died after, Vercel never got them: they are pushed as in async mode.
   */
  async runRotation(rotationId: string, work: Work): Promise<void> {
    const loaded = await this.load(rotationId, work);
    if (!loaded) return;
    const { rotation, ctx, resource, definition } = loaded;
    if (rotation.status === "requested" && !definition.async) {
      await this.store.rotations.transition(rotation.id, ["requested"], { status: "failed" });
      ctx.log.warn({ resourceId: resource.id, rotationId }, "abandoned secrets rotation failed");
      return;
    }
    // A failed hook leaves it `requested`, so the retry calls the hook again; a failed push
    // leaves it `rotated`, so the retry sends the stored secrets without rotating twice.
    if (rotation.status === "requested") await this.rotate(definition, ctx, resource, rotation);
    else if (rotation.status !== "rotated") return;
    const secrets = await this.store.resourceSecrets(resource.id);
    await ctx.vercel.updateResourceSecrets(resource.id, secrets);
    await this.complete(rotation);
    ctx.log.info({ resourceId: resource.id, rotationId }, "rotated secrets sent to Vercel");
  }

  /** The revocation job, due when the grace period of the old secrets is over. */
  async runRevocation(rotationId: string, work: Work): Promise<void> {
    const loaded = await this.load(rotationId, work);
    if (!loaded || loaded.rotation.revokedAt) return;
    const { rotation, ctx, resource, definition } = loaded;
    // A job put back by hand (`partnerkit jobs retry`) must not cut the grace period short.
    if (!rotation.expiresAt || Date.parse(rotation.expiresAt) > Date.now()) {
      throw new Error(`The previous secrets of ${rotationId} are not due for revocation yet`);
    }
    await definition.revoke(ctx, resource, rotation.previousSecrets);
    await this.store.rotations.markRevoked(rotation.id);
    ctx.log.info({ resourceId: resource.id, rotationId }, "previous secrets revoked");
  }

  /** Runs the hook and stores the new secrets; the rotation is then `rotated`. */
  private async rotate(
    definition: SecretsRotationDefinition<JsonObject>,
    ctx: HookContext,
    resource: ResourceRecord,
    rotation: SecretRotationRecord,
  ): Promise<RotationResult> {
    const result = RotationResult.parse(
      await definition.rotate(ctx, resource, {
        ...(rotation.reason !== null && { reason: rotation.reason }),
        delayOldSecretsExpirationHours: rotation.delayHours,
      }),
    );
    await this.store.transaction(async (store) => {
      // Failed meanwhile (given up as abandoned): its secrets must not replace the stored ones.
      if (!(await store.rotations.transition(rotation.id, ["requested"], { status: "rotated" }))) {
        throw new Error(`Rotation ${rotation.id} is no longer in progress`);
      }
      const current = await store.resourceSecrets(resource.id);
      await store.replaceResourceSecrets(resource.id, applySecrets(current, result));
    });
    ctx.log.info({ resourceId: resource.id, rotationId: rotation.id }, "secrets rotated");
    return result;
  }

  /** Vercel has the new secrets: start the old ones' grace period and schedule their revocation. */
  private async complete(rotation: SecretRotationRecord): Promise<void> {
    const expiresAt = new Date(Date.now() + rotation.delayHours * HOUR_MS);
    await this.store.transaction(async (store) => {
      const moved = await store.rotations.transition(rotation.id, ["rotated"], {
        status: "completed",
        expiresAt: expiresAt.toISOString(),
      });
      if (!moved) return;
      await store.enqueueJob({
        kind: REVOKE_SECRETS_JOB,
        payload: { rotationId: rotation.id },
        dedupeKey: `revoke:${rotation.id}`,
        runAt: expiresAt,
      });
    });
  }

  private async load(rotationId: string, work: Work) {
    const rotation = await this.store.rotations.get(rotationId);
    if (!rotation) throw new Error(`Rotation ${rotationId} is not stored`);
    // A transfer may have moved the resource since: its secrets still work and are still owed a
    // push or a revocation, now under the installation that owns it.
    const owner = await this.store.billing.resourceOwner(rotation.resourceId);
    const installationId = owner?.installationId ?? rotation.installationId;
    const installation = await this.store.getInstallation(installationId);
    const resource = await this.store.getResource(installationId, rotation.resourceId);
    const definition = resource && this.integration.product(resource.productId)?.secretsRotation;
    if (!installation || installation.deletedAt || !resource || resource.deletedAt || !definition) {
      // Gone meanwhile: nothing is left to rotate, push or revoke.
      await this.store.rotations.transition(rotation.id, ["requested", "rotated"], {
        status: "failed",
      });
      return undefined;
    }
    const ctx = this.contexts.create({ requestId: rotation.id, ...work }, installation);
    return { rotation, ctx, resource, definition };
  }
}
