import type { z } from "zod";
import type { ErrorField } from "../protocol/errors.ts";
import { PartnerError } from "./partner-error.ts";

/** Turns zod issues into the error body's `fields`, keyed by the dotted path of each value. */
export function issuesToFields(issues: z.core.$ZodIssue[], prefix?: string): ErrorField[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const key = [prefix, path].filter(Boolean).join(".") || prefix || "body";
    return { key, message: issue.message };
  });
}

/** Parses `value` or throws a 400 whose `fields` name every offending key. */
export function parseOrThrow<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
  prefix?: string,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw PartnerError.validation(`Invalid ${what}`, issuesToFields(result.error.issues, prefix));
}
