import type { Fetcher } from "./vercel-client.ts";

/** Statuses whose response has no body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

type Undici = typeof import("undici");
let undici: Promise<Undici> | undefined;

/**
 * `fetch` for the calls to Vercel, over undici's `request()`: Node's own `fetch` took about 0.3 ms
 * of CPU per call (its web streams and request machinery), `request()` with a `Response` made
 * from the answer about 0.08 ms; an action makes two calls, a billing report two, a check three.
 *
 * It behaves as `fetch` does where the client and `@vercel/sdk` look: a failure to connect or
 * read is a `TypeError("fetch failed")` with the cause, an abort rejects with the signal's
 * reason. It does not follow redirects or ask for compressed answers (Vercel's API sends
 * neither unasked); a body it cannot send as bytes goes through `fetch`.
 */
export const undiciFetch: Fetcher = async (input, init) => {
  // Not `instanceof Request`: a Request made in another realm (as under a test runner) fails it.
  const request = typeof input === "string" || input instanceof URL ? undefined : input;
  const initBody = init?.body;
  if (initBody != null && typeof initBody !== "string" && !(initBody instanceof Uint8Array)) {
    return fetch(input, init);
  }
  const signal = init?.signal ?? request?.signal ?? undefined;
  undici ??= import("undici");
  const { request: send } = await undici;
  try {
    const body =
      initBody ?? (request?.body ? new Uint8Array(await request.arrayBuffer()) : undefined);
    const answer = await send(request ? request.url : String(input), {
      method: (init?.method ?? request?.method ?? "GET") as "GET",
      headers: Object.fromEntries(new Headers(init?.headers ?? request?.headers)),
      body,
      signal,
    });
    const bytes = await answer.body.arrayBuffer();
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const one of Array.isArray(value) ? value : [value ?? ""]) headers.append(name, one);
    }
    const status = answer.statusCode;
    return new Response(NULL_BODY_STATUSES.has(status) ? null : bytes, { status, headers });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new TypeError("fetch failed", { cause: error });
  }
};
