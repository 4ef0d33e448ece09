import type { Context } from "hono";
import { PartnerError } from "../core/partner-error.ts";
import { JsonObject } from "../protocol/common.ts";
import type { QueryParameter } from "./route-spec.ts";

export const metadataParameter: QueryParameter = {
  name: "metadata",
  description:
    "The product form's current values (spec §4.12); the plans and their prices may depend on them.",
  schema: JsonObject,
  json: true,
};

/** The `metadata` query of the plan endpoints: the JSON-encoded form values (spec §4.12). */
export function metadataQuery(c: Context): JsonObject | undefined {
  const raw = c.req.query("metadata");
  if (raw === undefined || raw === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw PartnerError.validation("metadata query is not valid JSON", [
      { key: "metadata", message: "Expected a JSON object" },
    ]);
  }
  const parsed = JsonObject.safeParse(value);
  if (!parsed.success) {
    throw PartnerError.validation("metadata query must be a JSON object", [
      { key: "metadata", message: "Expected a JSON object" },
    ]);
  }
  return parsed.data;
}
