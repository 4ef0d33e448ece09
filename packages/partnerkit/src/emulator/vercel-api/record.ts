import type { MiddlewareHandler } from "hono";
import { parseBodyText } from "../body-text.ts";
import type { CallRecorder } from "../recorder.ts";
import type { VercelApiEnv, Warn } from "./context.ts";

/** The installation a Vercel API path names, for calls refused before the token was read. */
export function pathInstallationId(path: string): string | undefined {
  return /\/(?:installations|integrations)\/([^/]+)/.exec(path)?.[1];
}

/**
 * Records every call to the fake as `partner→vercel`, bodies masked by the recorder; body keys
 * the request schema does not know, and a route's own warnings, go on the entry and to `warn`.
 */
export function recordCalls(recorder: CallRecorder, warn: Warn): MiddlewareHandler<VercelApiEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestBody = parseBodyText(await c.req.text());
    await next();
    const responseBody = parseBodyText(await c.res.clone().text());
    const unknown = c.get("unknownFields");
    const warnings = [
      ...(unknown ? [unknownFieldsWarning(unknown)] : []),
      ...(c.get("warnings") ?? []),
    ];
    for (const warning of warnings)
      warn(`${c.req.method} ${c.req.path} (${c.res.status}): ${warning}`);
    recorder.record({
      direction: "partner→vercel",
      method: c.req.method,
      url: c.req.url,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      installationId: c.get("installationId") ?? pathInstallationId(c.req.path),
      requestBody,
      responseBody,
      ...(warnings.length > 0 && { warnings }),
    });
  };
}

function unknownFieldsWarning(keys: string[]): string {
  const names = keys.map((key) => `\`${key}\``).join(", ");
  const [noun, pronoun] = keys.length === 1 ? ["field", "it"] : ["fields", "them"];
  return `unknown ${noun} ${names} ignored: not in Vercel's request schema (Vercel may refuse ${pronoun})`;
}
