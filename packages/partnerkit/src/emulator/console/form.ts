import type { Context } from "hono";
import { PartnerCallError } from "../partner-client.ts";
import { errorBox, type Html } from "./layout.ts";
import { answerBody } from "./partner-answer.ts";

/** The single-valued fields of a posted form. */
export async function formValues(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(
    Object.entries(body).flatMap(([key, value]) =>
      typeof value === "string" ? [[key, value]] : [],
    ),
  );
}

/** Every field of a posted form: a repeated one (checkboxes) as a list, files left out. */
export async function formFields(c: Context): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [
      key,
      Array.isArray(value)
        ? value.filter((item) => typeof item === "string")
        : typeof value === "string"
          ? value
          : [],
    ]),
  );
}

/** Every value of a repeated field (checkboxes) of a form parsed with `{ all: true }`. */
export function formList(body: Record<string, unknown>, name: string): string[] {
  return [body[name] ?? []].flat().map(String);
}

/** A number typed into a form: undefined when left empty, NaN when it is not a number. */
export function numberField(value: string | undefined): number | undefined {
  return value?.trim() ? Number(value) : undefined;
}

/** What the partner answered instead of what Vercel expected, or why it could not be asked. */
export function describeFailure(error: unknown): Html {
  if (error instanceof PartnerCallError)
    return errorBox(error.message, answerBody(error.answer.body));
  return errorBox(`The partner could not be reached: ${String(error)}`);
}
