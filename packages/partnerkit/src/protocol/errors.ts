import { z } from "zod";

/** Error body of every 4xx partner response, spec §3.3. */
export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    user: z.strictObject({ message: z.string().optional(), url: z.string().optional() }).optional(),
    fields: z.array(z.strictObject({ key: z.string(), message: z.string().optional() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
export type ErrorField = NonNullable<ErrorBody["error"]["fields"]>[number];

/** The code vocabulary is not enumerated by Vercel (UNCONFIRMED); these follow the docs' examples. */
export const ErrorCode = {
  validation: "validation_error",
  badRequest: "bad_request",
  unauthorized: "unauthorized",
  forbidden: "forbidden",
  notFound: "not_found",
  conflict: "conflict",
  unprocessable: "unprocessable",
  payloadTooLarge: "payload_too_large",
  internal: "internal_error",
  /** 503: the signing keys cannot be loaded, so no token can be checked (an outage, not a bad token). */
  keySetUnavailable: "key_set_unavailable",
  /** 503: another request is installing or uninstalling the installation; retry after a moment. */
  busy: "busy",
} as const;
