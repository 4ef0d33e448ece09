import type { ConformanceTarget } from "./check.ts";
import { type ExtraState, extraCall, notOffered, transfersPath } from "./extra-calls.ts";

const probed = new WeakMap<ExtraState, Promise<string | undefined>>();

/**
 * Older partner servers implement transfers as `PUT …/resource-transfer-requests/{id}` and
 * `POST …/{id}/verify`; Vercel now calls `POST …/resource-transfer-requests`, `GET …/verify` and
 * `POST …/accept` (§4.16). Says so when the partner answers the older routes; probed once a run.
 */
export function olderTransferShape(
  target: ConformanceTarget,
  extra: ExtraState,
): Promise<string | undefined> {
  const known = probed.get(extra);
  if (known) return known;
  const probe = probeOlderShape(target, extra);
  probed.set(extra, probe);
  return probe;
}

async function probeOlderShape(target: ConformanceTarget, extra: ExtraState) {
  const claimPath = `${transfersPath(extra.source)}/conf_probe_older_shape`;
  const routes = [
    { label: "PUT …/resource-transfer-requests/{id}", method: "PUT", path: claimPath },
    { label: "POST …/{id}/verify", method: "POST", path: `${claimPath}/verify` },
  ];
  const offered: string[] = [];
  for (const { label, method, path } of routes) {
    const done = await extraCall(target, extra, extra.source, {
      method,
      path,
      auth: "system",
      body: {},
    });
    if (!notOffered(done.answer)) offered.push(label);
  }
  if (offered.length === 0) return undefined;
  return `implements the older transfer shape (${offered.join(", ")}); Vercel now calls POST …/resource-transfer-requests, GET …/{id}/verify and POST …/{id}/accept`;
}
