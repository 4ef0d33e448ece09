import type { Context } from "hono";
import type { z } from "zod";
import { PartnerError } from "../core/partner-error.ts";
import { issuesToFields } from "../core/validation.ts";

/**
 * Reads and validates a JSON body. Malformed JSON and schema failures are 400s with the spec's
 * error body; an empty body counts as `{}` when `emptyAllowed` (e.g. DELETE installation).
 */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  emptyAllowed = false,
): Promise<z.output<S>> {
  const text = await c.req.text();
  let value: unknown;
  if (text.trim() === "" && emptyAllowed) {
    value = {};
  } else {
    try {
      value = JSON.parse(text);
    } catch {
      throw PartnerError.badRequest("Request body is not valid JSON");
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw PartnerError.validation(
      "Request body failed validation",
      issuesToFields(result.error.issues),
    );
  }
  return result.data;
}
