import { createHash } from "node:crypto";
import type { Flag } from "./flag-model.ts";

/** Why an entity got the value it got. */
export type EvaluationReason = "disabled" | "rollout" | "default";

export interface Evaluation {
  value: Flag["value"];
  reason: EvaluationReason;
}

/**
 * Where an entity falls in a flag's rollout, 0 to 99.99: a hash of the flag's id and the entity's,
 * so the same entity gets the same answer every time (and across renames of the key), while each
 * flag splits entities independently of the others.
 */
export function rolloutBucket(flagId: string, entity: string): number {
  const digest = createHash("sha256").update(`${flagId}\u0000${entity}`).digest();
  return (digest.readUInt32BE(0) % 10_000) / 100;
}

/**
 * The value `entity` gets. Without an entity only a rollout of 100% serves the flag's value: a
 * partial rollout cannot place an anonymous caller.
 */
export function evaluateFlag(flag: Flag, entity: string | undefined): Evaluation {
  if (!flag.enabled) return { value: flag.defaultValue, reason: "disabled" };
  const inRollout =
    flag.rollout >= 100 ||
    (entity !== undefined && flag.rollout > 0 && rolloutBucket(flag.id, entity) < flag.rollout);
  return inRollout
    ? { value: flag.value, reason: "rollout" }
    : { value: flag.defaultValue, reason: "default" };
}
