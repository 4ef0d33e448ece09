import { z } from "zod";
import type { Store } from "../../store/store.ts";

/** Syncs one resource's experimentation items and flags configuration with Vercel. */
export const FLAGS_SYNC_JOB = "flags-sync";

export const FlagsSyncJobPayload = z.object({ installationId: z.string(), resourceId: z.string() });
export type FlagsSyncJobPayload = z.infer<typeof FlagsSyncJobPayload>;

/** Queues a sync of the resource, now or at `runAt`; call it in the transaction of the change. */
export async function queueFlagsSync(
  store: Store,
  target: FlagsSyncJobPayload,
  runAt?: Date,
): Promise<void> {
  await store.enqueueJob({ kind: FLAGS_SYNC_JOB, payload: target, runAt });
}
