import type { MiddlewareHandler } from "hono";
import { parseBodyText } from "../body-text.ts";
import type { CallRecorder } from "../recorder.ts";
import type { VercelApiEnv } from "./context.ts";

/** The installation a Vercel API path names, for calls refused before the token was read. */
export function pathInstallationId(path: string): string | undefined {
  return /\/(?:installations|integrations)\/([^/]+)/.exec(path)?.[1];
}

/** Records every call to the fake as `partner→vercel`, bodies masked by the recorder. */
export function recordCalls(recorder: CallRecorder): MiddlewareHandler<VercelApiEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestBody = parseBodyText(await c.req.text());
    await next();
    const responseBody = parseBodyText(await c.res.clone().text());
    recorder.record({
      direction: "partner→vercel",
      method: c.req.method,
      url: c.req.url,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      installationId: c.get("installationId") ?? pathInstallationId(c.req.path),
      requestBody,
      responseBody,
    });
  };
}
