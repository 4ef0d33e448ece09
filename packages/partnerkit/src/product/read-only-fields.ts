import { isDeepStrictEqual } from "node:util";
import type { JsonObject } from "../protocol/common.ts";
import type { ErrorField } from "../protocol/errors.ts";
import type { VercelMetadataSchema } from "./metadata-schema.ts";

/**
 * The fields an update may not change: `ui:read-only` `true` or `"update"` means the form shows
 * the value without letting the user edit it, so a different value is a client bypassing the
 * form. A value never stored (a field added later) may still be set.
 */
export function readOnlyChanges(
  schema: VercelMetadataSchema,
  stored: JsonObject,
  incoming: JsonObject,
): ErrorField[] {
  return Object.entries(schema.properties).flatMap(([key, field]) => {
    const readOnly = field["ui:read-only"];
    if (readOnly !== true && readOnly !== "update") return [];
    if (!(key in incoming) || stored[key] === undefined) return [];
    if (isDeepStrictEqual(incoming[key], stored[key])) return [];
    return [{ key, message: `${key} cannot be changed after the resource is created` }];
  });
}
