import type { z } from "zod";
import { ErrorBody } from "../../packages/partnerkit/src/protocol/errors.ts";

/** The error of a spec error body (§3.3); fails the test when the body has another shape. */
export async function readError(response: Response): Promise<ErrorBody["error"]> {
  return ErrorBody.parse(await response.json()).error;
}

/** A response body checked against the protocol schema it must match. */
export async function readBody<T>(response: Response, schema: z.ZodType<T>): Promise<T> {
  return schema.parse(await response.json());
}
