import { ErrorBody } from "../protocol/errors.ts";
import type { ResponseSpec } from "./route-spec.ts";

/** A 4xx/5xx answer with the spec's error body (§3.3). */
export const errorResponse = (description: string): ResponseSpec => ({
  description,
  schema: ErrorBody,
});

export const installationNotFound = errorResponse("No such installation");
export const resourceNotFound = errorResponse("No such installation or resource");
