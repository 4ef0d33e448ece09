import { z } from "zod";

/** How a flag is keyed in the evaluation API and in Vercel's Flags UI (its item's `slug`). */
export const FlagKey = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
    "a flag key is 1-128 letters, digits, '-', '_' or '.', starting with a letter or digit",
  );

export const FlagKind = z.enum(["boolean", "variant"]);
export type FlagKind = z.infer<typeof FlagKind>;

/**
 * A flag of one resource. Its `id` is made once, at creation, and is what Vercel knows the flag
 * by: renaming the key keeps the same experimentation item.
 */
export const Flag = z.object({
  id: z.string(),
  resourceId: z.string(),
  key: FlagKey,
  name: z.string(),
  description: z.string(),
  kind: FlagKind,
  /** Served to entities inside the rollout while the flag is enabled. */
  value: z.json(),
  /** Served to everyone else, and to everyone while the flag is disabled. */
  defaultValue: z.json(),
  enabled: z.boolean(),
  /** Percent of entities (by a hash of their id) that get `value`. */
  rollout: z.number().int().min(0).max(100),
  archived: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Flag = z.infer<typeof Flag>;

/**
 * What a caller may set on a flag, every field optional: a missing field keeps its current value
 * (or its default, for a new flag). `key` renames the flag.
 */
export const FlagChange = z
  .object({
    key: FlagKey,
    name: z.string().max(200),
    description: z.string().max(2000),
    kind: FlagKind,
    value: z.json(),
    defaultValue: z.json(),
    enabled: z.boolean(),
    rollout: z.number().int().min(0).max(100),
    archived: z.boolean(),
  })
  .partial()
  .strict();
export type FlagChange = z.infer<typeof FlagChange>;

/** A new flag's fields where the change leaves them out: a boolean flag on for everyone. */
const NEW_FLAG = {
  name: "",
  description: "",
  enabled: true,
  rollout: 100,
  archived: false,
} as const;

export type FlagFields = Omit<Flag, "id" | "resourceId" | "createdAt" | "updatedAt">;

const given = <T>(value: T | undefined, otherwise: T): T =>
  value === undefined ? otherwise : value;

/** The fields of `current` (or of a new flag keyed `key`) with `change` applied and checked. */
export function applyFlagChange(
  key: string,
  current: Flag | undefined,
  change: FlagChange,
): FlagFields {
  const kind = change.kind ?? current?.kind ?? "boolean";
  const keepsValues = current !== undefined && current.kind === kind;
  const values = keepsValues
    ? current
    : {
        value: kind === "boolean" ? true : undefined,
        defaultValue: kind === "boolean" ? false : null,
      };
  const value = given(change.value, values.value);
  if (value === undefined) throw new FlagRuleError("A variant flag needs a value (any JSON)");
  const base = current ?? { key, ...NEW_FLAG };
  const next: FlagFields = {
    key: change.key ?? base.key,
    name: change.name ?? base.name,
    description: change.description ?? base.description,
    kind,
    value,
    defaultValue: given(change.defaultValue, values.defaultValue),
    enabled: change.enabled ?? base.enabled,
    rollout: change.rollout ?? base.rollout,
    archived: change.archived ?? base.archived,
  };
  const validKey = FlagKey.safeParse(next.key);
  if (!validKey.success) throw new FlagRuleError(validKey.error.issues[0]?.message ?? "bad key");
  if (
    kind === "boolean" &&
    (typeof next.value !== "boolean" || typeof next.defaultValue !== "boolean")
  ) {
    throw new FlagRuleError("A boolean flag's value and defaultValue must be true or false");
  }
  return next;
}

/** A change that would leave a flag inconsistent; answered as a 400 with its message. */
export class FlagRuleError extends Error {}
