import { randomBytes } from "node:crypto";
import type { ProductDefinition } from "partnerkit";
import type { KvStore } from "./kv-store.ts";

type KvCheck = NonNullable<ProductDefinition<{ region: string }>["checks"]>[string];

/**
 * `kv-smoke`: writes a key into the deployment's branch of the store, reads it back and deletes
 * it, so a deployment whose branch does not answer is not promoted. It works on the store the data
 * plane serves: the branch's token is kept only as a hash, so the check cannot call the data plane
 * with the deployment's own credentials.
 */
export function kvSmokeCheck(
  kv: KvStore,
  branchNamespace: (resourceId: string, deploymentId: string) => string,
): KvCheck {
  return {
    name: "KV smoke test",
    blocking: true,
    timeoutMs: 30_000,
    async run(ctx, { resource, deployment, check }) {
      const namespace = branchNamespace(resource.id, deployment.id);
      const key = `__kv_smoke_${check.runId}_${check.attempt}`;
      const value = randomBytes(8).toString("hex");
      const started = Date.now();
      await kv.set(namespace, key, value);
      const read = await kv.get(namespace, key);
      await kv.delete(namespace, key);
      const output = { namespace, key, roundTripMs: Date.now() - started };
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (read !== value) {
        ctx.log.warn({ namespace }, "kv smoke test read back another value");
        return {
          conclusion: "failed",
          conclusionText: "The key written was not read back",
          output,
        };
      }
      return { conclusion: "succeeded", conclusionText: "Wrote and read a key", output };
    },
  };
}
