import type { Context } from "hono";
import { z } from "zod";
import type { VercelApiEnv } from "./context.ts";
import { readBody } from "./errors.ts";

/**
 * Reads a Vercel API body like `readBody`, and names the keys the request schema does not know
 * for the timeline and the log. Only the deployment action report is published as refusing extra
 * keys (spec §5.17: its schema is strict, so `readBody` answers 400). `@vercel/sdk`'s request
 * models mark the billing plan open and say nothing of the other bodies, so there the emulator
 * accepts, as the tolerant reading (UNCONFIRMED), but loudly: a misspelt field must not vanish
 * without a trace.
 */
export async function readVercelBody<T extends z.ZodType>(
  c: Context<VercelApiEnv>,
  schema: T,
): Promise<z.infer<T>> {
  const body = await readBody(c, schema);
  // readBody has refused what is not JSON; an empty body has no keys.
  const text = await c.req.text();
  const unknown = text === "" ? [] : unknownFields(schema, JSON.parse(text));
  if (unknown.length > 0) c.set("unknownFields", unknown);
  return body;
}

/**
 * The keys of `value` that `schema` does not name, as paths like `billingPlan.colour` or
 * `items[0].note`. Open objects (`.loose()`) and records take any key.
 */
export function unknownFields(schema: z.core.$ZodType, value: unknown, path = ""): string[] {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case "object":
      return entries(value).flatMap(([key, entry]) => {
        const known = def.shape[key];
        if (known) return unknownFields(known, entry, keyPath(path, key));
        return def.catchall ? [] : [keyPath(path, key)];
      });
    case "record":
      return entries(value).flatMap(([key, entry]) =>
        unknownFields(def.valueType, entry, keyPath(path, key)),
      );
    case "array":
      return Array.isArray(value)
        ? value.flatMap((item, index) => unknownFields(def.element, item, `${path}[${index}]`))
        : [];
    case "union": {
      const branch = def.options.find((option) => z.safeParse(option, value).success);
      return branch ? unknownFields(branch, value, path) : [];
    }
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
      return unknownFields(def.innerType, value, path);
    case "pipe":
      return unknownFields(def.in, value, path);
    default:
      return [];
  }
}

function entries(value: unknown): [string, unknown][] {
  return value && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : [];
}

const keyPath = (path: string, key: string) => (path ? `${path}.${key}` : key);
