import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { ErrorBody, ErrorField } from "../../protocol/errors.ts";

/**
 * A refusal of the Vercel API fake. Vercel's own error body is `{ error: { code, message } }`;
 * we add the partner-API `fields` list (spec §3.3) so a 400 names every offending key.
 * The code strings are ours: Vercel does not enumerate them for these endpoints (UNCONFIRMED).
 */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly fields?: ErrorField[],
  ) {
    super(message);
  }

  static badRequest(message: string, fields?: ErrorField[]) {
    return new ApiError(400, "bad_request", message, fields);
  }
  /** A 400 listing every bad field, its message naming the first one. */
  static invalid(fields: ErrorField[]) {
    const [first] = fields;
    const detail = first ? `\`${first.key}\` ${first.message}` : "the body is invalid";
    return ApiError.badRequest(`Invalid request: ${detail}`, fields);
  }
  static notFound(message: string) {
    return new ApiError(404, "not_found", message);
  }
  static conflict(message: string) {
    return new ApiError(409, "conflict", message);
  }
}

export function errorBody(code: string, message: string, fields?: ErrorField[]): ErrorBody {
  return { error: { code, message, ...(fields && fields.length > 0 && { fields }) } };
}

/** The one place where the fake's thrown errors become responses. */
export function handleApiError(error: Error, c: Context): Response {
  if (error instanceof ApiError) {
    return c.json(errorBody(error.code, error.message, error.fields), error.status);
  }
  return c.json(errorBody("internal_server_error", `Emulator failure: ${error.message}`), 500);
}

/** Reads a JSON body and checks it, or throws a 400 whose message names the first bad field. */
export async function readBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const text = await c.req.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    throw ApiError.badRequest("Invalid request: the body is not valid JSON");
  }
  const result = schema.safeParse(json, { error: requiredMessage });
  if (result.success) return result.data;
  throw ApiError.invalid(issuesToFields(result.error.issues));
}

/** "is required" instead of zod's "expected string, received undefined". */
function requiredMessage(issue: z.core.$ZodRawIssue): string | undefined {
  return issue.code === "invalid_type" && issue.input === undefined ? "is required" : undefined;
}

/**
 * One field per problem, keyed like `billing.items[0].total`. A failed union reports the branch
 * that got furthest (e.g. the `{ items }` form of `billing` when an object was sent), and each
 * unknown key of a strict object is named on its own.
 */
export function issuesToFields(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []) {
  const fields: ErrorField[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      fields.push(...issuesToFields(closestBranch(issue.errors), path));
    } else if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        fields.push({ key: fieldKey([...path, key]), message: "is not allowed" });
      }
    } else {
      fields.push({ key: fieldKey(path), message: issue.message });
    }
  }
  return fields;
}

/** The branch whose issues lie deepest: the one whose outer shape matched what was sent. */
function closestBranch(branches: z.core.$ZodIssue[][]): z.core.$ZodIssue[] {
  const depth = (issues: z.core.$ZodIssue[]) =>
    Math.min(...issues.map((issue) => issue.path.length + (issue.code === "invalid_type" ? 0 : 1)));
  return branches.reduce((best, branch) => (depth(branch) > depth(best) ? branch : best));
}

function fieldKey(path: PropertyKey[]): string {
  if (path.length === 0) return "body";
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}
