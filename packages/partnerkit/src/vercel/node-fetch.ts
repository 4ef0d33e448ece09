import http from "node:http";
import type { Fetcher } from "./vercel-client.ts";

/** Statuses whose response has no body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * Idle connections are closed after this long: before the usual 5 s of servers' keep-alive, so
 * a call does not go out on a connection the other side is closing (Node's own fetch closes
 * them after 4 s too).
 */
const IDLE_SOCKET_MS = 4_000;

const httpAgent = new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS });

interface Client {
  request: typeof http.request;
  agent: http.Agent;
}

// TLS is loaded with the first call over https, as Node's fetch loads itself on its first call:
// a server that has not called Vercel yet does not pay for it at start.
let httpsClient: Promise<Client> | undefined;
const loadHttps = () =>
  import("node:https").then(({ default: https }) => ({
    request: https.request,
    agent: new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  }));

async function clientFor(url: URL): Promise<Client> {
  if (url.protocol === "http:") return { request: http.request, agent: httpAgent };
  if (url.protocol !== "https:") {
    throw new TypeError("fetch failed", {
      cause: new Error(`Unsupported protocol ${url.protocol}`),
    });
  }
  httpsClient ??= loadHttps();
  return httpsClient;
}

/**
 * `fetch` for the calls to Vercel, over `node:http`: Node 20's `fetch` took 250-370 µs of CPU per
 * call (its web streams and request machinery), this about 100 µs, with no package to load; an
 * action makes two calls, a billing report two, a check three.
 *
 * It keeps fetch's contract where the client and `@vercel/sdk` look: a failure to connect or read
 * is a `TypeError("fetch failed")` with its cause, an abort rejects with the signal's reason, and
 * it takes a Request (also one made in another realm, as under a test runner). It does not follow
 * redirects or ask for compressed answers (Vercel's API sends neither unasked); a body it cannot
 * send as bytes goes through `fetch`.
 */
export const nodeFetch: Fetcher = async (input, init) => {
  const request = typeof input === "string" || input instanceof URL ? undefined : input;
  const initBody = init?.body;
  if (initBody != null && typeof initBody !== "string" && !(initBody instanceof Uint8Array)) {
    return fetch(input, init);
  }
  const signal = init?.signal ?? request?.signal ?? undefined;
  const url = new URL(request ? request.url : input.toString());
  const client = await clientFor(url);
  const body =
    initBody ?? (request?.body ? new Uint8Array(await request.arrayBuffer()) : undefined);
  const headers = Object.fromEntries(new Headers(init?.headers ?? request?.headers));
  try {
    return await new Promise<Response>((resolve, reject) => {
      const sent = client.request(url, {
        method: init?.method ?? request?.method ?? "GET",
        headers,
        agent: client.agent,
        signal,
      });
      sent.on("error", reject);
      sent.on("response", (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("error", reject);
        answer.on("end", () => {
          const status = answer.statusCode ?? 0;
          const answerHeaders = new Headers();
          for (const [name, value] of Object.entries(answer.headers)) {
            for (const one of Array.isArray(value) ? value : [value ?? ""]) {
              answerHeaders.append(name, one);
            }
          }
          const bytes = NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks);
          resolve(new Response(bytes, { status, headers: answerHeaders }));
        });
      });
      sent.end(body);
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new TypeError("fetch failed", { cause: error });
  }
};
