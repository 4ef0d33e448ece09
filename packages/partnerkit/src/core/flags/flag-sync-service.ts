import {
  PushFlagsConfigBody,
  type UpdateExperimentationItemBody,
} from "../../protocol/experimentation.ts";
import type { FlagSyncState, PendingFlagItem } from "../../store/flag-sync-queries.ts";
import type { JobRecord, ResourceRecord } from "../../store/records.ts";
import type { Store } from "../../store/store.ts";
import { VercelApiError, type VercelClient } from "../../vercel/vercel-client.ts";
import type { HookContext, Integration } from "../define-integration.ts";
import type { HookContexts, Work } from "../hook-context.ts";
import { keepRenewing } from "../lease-renewal.ts";
import { canonicalJson, digestOf } from "./canonical-json.ts";
import { FlagsSyncJobPayload, queueFlagsSync } from "./flag-sync-job.ts";
import type { FlagsConfig } from "./flag-sync-types.ts";

export interface FlagSyncOptions {
  /**
   * How long the first push of the configuration to an Edge Config Vercel just named waits, in ms
   * (default 1000): Vercel may not have finished its side of the provisioning before that.
   */
  firstPushDelayMs?: number;
}

/** How long a sync may go without renewing its lease before another job takes the resource over. */
const SYNC_LEASE_MS = 30_000;
/** Items per create call; Vercel documents no limit, and this keeps each body small. */
const CREATE_BATCH = 100;

/**
 * Keeps Vercel's experimentation items and flags configuration of each resource as the provider
 * last set them (spec §5.18, §11.3). Changes are stored first (`InstallationFlagSync`); a job then
 * sends what Vercel has not acknowledged, one job per resource at a time under a lease, so a
 * change is sent once, in order, and an acknowledged one is never sent again. A failed call fails
 * the job, whose retries (with backoff) resume where it stopped: that is how a first push retries
 * through the 404/409 Vercel answers while its own provisioning is unfinished, for as long as the
 * job's attempts last.
 */
export class FlagSyncService {
  constructor(
    private readonly integration: Integration,
    private readonly store: Store,
    private readonly contexts: HookContexts,
    private readonly options: FlagSyncOptions = {},
  ) {}

  /**
   * Provision or Update Resource named a new `protocolSettings.experimentation.edgeConfigId`: its
   * first push is queued after the delay. Call it in the transaction that stores the resource.
   */
  async edgeConfigNamed(store: Store, resource: Pick<ResourceRecord, "id" | "installationId">) {
    const notBefore = new Date(Date.now() + (this.options.firstPushDelayMs ?? 1_000));
    await store.flags.deferPush(resource.id, notBefore.toISOString());
    await queueFlagsSync(
      store,
      { installationId: resource.installationId, resourceId: resource.id },
      notBefore,
    );
  }

  /** The `flags-sync` job. */
  async run(job: JobRecord, work: Work): Promise<void> {
    const target = FlagsSyncJobPayload.parse(job.payload);
    const { flags } = this.store;
    await flags.requestSync(target.resourceId);
    // Taken: its holder will see the revision this job moved on, and sync again before it lets go.
    if (!(await flags.acquire(target.resourceId, job.id, SYNC_LEASE_MS))) return;
    const renewal = keepRenewing(
      () => flags.renew(target.resourceId, job.id, SYNC_LEASE_MS),
      SYNC_LEASE_MS,
    );
    let done = false;
    try {
      while (!done) {
        const state = await flags.pending(target.resourceId);
        if (state) await this.sync(target, state, job.id, work);
        // Not released when the revision moved on: sync again, unless the lease was lost
        // meanwhile (this job stalled past it), and its new holder syncs.
        done =
          (await flags.release(target.resourceId, job.id, state?.revision)) ||
          !(await flags.renew(target.resourceId, job.id, SYNC_LEASE_MS));
      }
    } finally {
      await renewal.stop();
      if (!done) await flags.release(target.resourceId, job.id);
    }
  }

  private async sync(
    target: FlagsSyncJobPayload,
    state: FlagSyncState,
    owner: string,
    work: Work,
  ): Promise<void> {
    const found = await this.locate(target, work);
    if (!found) return;
    const { ctx, resource } = found;
    await this.sendItems(ctx.vercel, resource.id, state.items);
    await this.pushConfig(ctx, resource, state, owner);
  }

  /** The resource and a context of the installation that owns it now (a transfer moves it). */
  private async locate(target: FlagsSyncJobPayload, work: Work) {
    const owner = await this.store.billing.resourceOwner(target.resourceId);
    const installationId = owner?.installationId ?? target.installationId;
    const installation = await this.store.getInstallation(installationId);
    const resource = await this.store.getResource(installationId, target.resourceId);
    if (!installation || installation.deletedAt || !resource || resource.deletedAt) {
      work.log.info({ resourceId: target.resourceId }, "resource gone: its flags are not synced");
      return undefined;
    }
    const ctx = this.contexts.create({ requestId: `flags_${resource.id}`, ...work }, installation);
    return { ctx, resource };
  }

  private async sendItems(
    vercel: VercelClient,
    resourceId: string,
    items: PendingFlagItem[],
  ): Promise<void> {
    const created: { id: string; version: number; body: UpdateExperimentationItemBody }[] = [];
    const changed: PendingFlagItem[] = [];
    for (const item of items) {
      if (item.item !== null && !item.knownToVercel) {
        created.push({ id: item.id, version: item.version, body: parseItem(item.item) });
      } else {
        changed.push(item);
      }
    }
    for (let start = 0; start < created.length; start += CREATE_BATCH) {
      const batch = created.slice(start, start + CREATE_BATCH);
      await vercel.createExperimentationItems(
        resourceId,
        batch.map(({ id, body }) => ({ id, ...body })),
      );
      await this.store.flags.markItemsSent(
        resourceId,
        batch.map(({ id, version }) => ({ id, version, onVercel: true })),
      );
    }
    for (const item of changed) {
      if (item.item === null) {
        if (item.knownToVercel) await vercel.deleteExperimentationItem(resourceId, item.id);
      } else {
        await this.updateItem(vercel, resourceId, item.id, parseItem(item.item));
      }
      await this.store.flags.markItemsSent(resourceId, [
        { id: item.id, version: item.version, onVercel: item.item !== null },
      ]);
    }
  }

  /** An item Vercel should have; one it does not know (deleted there) is created again. */
  private async updateItem(
    vercel: VercelClient,
    resourceId: string,
    id: string,
    body: UpdateExperimentationItemBody,
  ): Promise<void> {
    try {
      await vercel.updateExperimentationItem(resourceId, id, body);
    } catch (error) {
      if (!(error instanceof VercelApiError && error.status === 404)) throw error;
      await vercel.createExperimentationItems(resourceId, [{ id, ...body }]);
    }
  }

  /**
   * Pushes the configuration when the user enabled syncing (an `edgeConfigId`) and Vercel does
   * not have it yet: the one given to `pushConfig`, or else, for a first push to that Edge
   * Config, the product's `experimentation.config`.
   */
  private async pushConfig(
    ctx: HookContext,
    resource: ResourceRecord,
    state: FlagSyncState,
    owner: string,
  ): Promise<void> {
    const edgeConfigId = resource.protocolSettings?.experimentation?.edgeConfigId;
    if (!edgeConfigId) return;
    // Not yet: the job queued with the delay pushes it.
    if (state.pushNotBefore && Date.parse(state.pushNotBefore) > Date.now()) return;
    const firstPush = state.pushedEdgeConfigId !== edgeConfigId;
    const config =
      state.config !== null && state.configDigest !== null
        ? { data: JSON.parse(state.config) as FlagsConfig, digest: state.configDigest }
        : firstPush
          ? await this.productConfig(ctx, resource)
          : undefined;
    if (!config || (!firstPush && config.digest === state.pushedDigest)) return;
    await this.replaceConfig(ctx.vercel, resource.id, config.data);
    await this.store.flags.markPushed(resource.id, owner, { digest: config.digest, edgeConfigId });
    ctx.log.info({ resourceId: resource.id, digest: config.digest }, "flags configuration pushed");
  }

  private async productConfig(ctx: HookContext, resource: ResourceRecord) {
    const hook = this.integration.product(resource.productId)?.experimentation;
    if (!hook) return undefined;
    const parsed = PushFlagsConfigBody.shape.data.safeParse(await hook.config(ctx, resource));
    if (!parsed.success) {
      throw new Error(`experimentation.config of ${resource.productId} returned no JSON object`);
    }
    return { data: parsed.data, digest: digestOf(canonicalJson(parsed.data)) };
  }

  /**
   * PUT; on 412 (Vercel's copy changed meanwhile) it is read back and, unless it already is the
   * provider's, replaced again: the provider's configuration is the source of truth.
   */
  private async replaceConfig(
    vercel: VercelClient,
    resourceId: string,
    data: FlagsConfig,
  ): Promise<void> {
    try {
      await vercel.pushFlagsConfig(resourceId, data);
    } catch (error) {
      if (!(error instanceof VercelApiError && error.status === 412)) throw error;
      const current = await vercel.getFlagsConfig(resourceId);
      if (canonicalJson(current.items) !== canonicalJson(data)) {
        await vercel.pushFlagsConfig(resourceId, data);
      }
    }
  }
}

type EdgeConfigSettings = { experimentation?: { edgeConfigId?: string } } | null | undefined;

/** Whether Provision or Update Resource names an Edge Config the resource did not have. */
export function namesNewEdgeConfig(before: EdgeConfigSettings, after: EdgeConfigSettings): boolean {
  const id = after?.experimentation?.edgeConfigId;
  return id !== undefined && id !== before?.experimentation?.edgeConfigId;
}

const parseItem = (json: string) => JSON.parse(json) as UpdateExperimentationItemBody;
