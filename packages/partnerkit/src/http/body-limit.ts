import { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { PartnerError } from "../core/partner-error.ts";
import type { AppEnv } from "./env.ts";
import { sendError } from "./error-response.ts";

const BODILESS = new Set(["GET", "HEAD", "OPTIONS"]);

/** How long, and how many more body bytes, a connection answered 413 is read before closing. */
const LINGER_MS = 10_000;
const LINGER_BYTES = 16 * 1024 * 1024;

/**
 * 413 for a body larger than `maxSize` bytes. Hono's bodyLimit touches the body stream even when
 * Content-Length settles the question, which made the Node adapter build a full web Request for
 * every request (a tenth of a webhook's CPU); so a declared length is checked here, and only
 * chunked bodies are counted as they stream. Node's parser never delivers more than the declared
 * length.
 */
export function limitBody(maxSize: number): MiddlewareHandler<AppEnv> {
  const tooLarge = (c: Context) => {
    // The unread rest of the body is not drained, so this connection cannot be reused.
    c.header("Connection", "close");
    const incoming = nodeRequest(c);
    if (incoming) lingerBeforeClose(incoming);
    return sendError(
      c,
      new PartnerError(413, "payload_too_large", "Request body is larger than allowed"),
    );
  };
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    if (BODILESS.has(c.req.method)) return next();
    const length = c.req.header("content-length");
    if (length === undefined || c.req.header("transfer-encoding") !== undefined)
      return counted(c, next);
    if (Number(length) > maxSize) return tooLarge(c);
    await next();
  };
}

/** The Node request behind `c` (`@hono/node-server`'s bindings); undefined on other runtimes. */
function nodeRequest(c: Context): IncomingMessage | undefined {
  const incoming: unknown = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}

/**
 * The caller is usually still uploading when the 413 goes out. Node closes a `Connection: close`
 * socket as soon as the answer is flushed, and closing with request bytes unread sends a TCP
 * reset, which can destroy the 413 before the caller reads it. So the rest of the body is
 * discarded as it arrives (never buffered), and on close the socket only stops writing; it is
 * destroyed once the body has been read, the caller hangs up, or a time or size bound is reached.
 */
function lingerBeforeClose(incoming: IncomingMessage): void {
  // Drops the chunked reader's listener too, so nothing of the rest is kept in memory.
  incoming.removeAllListeners("data");
  incoming.resume();
  const socket = incoming.socket;
  let lingering = false;
  socket.destroySoon = () => {
    if (lingering) return;
    lingering = true;
    if (socket.writable) socket.end();
    if (incoming.readableEnded) {
      socket.once("finish", () => socket.destroy());
      return;
    }
    const close = () => socket.destroy();
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    incoming.once("end", () => {
      if (socket.writableFinished) close();
      else socket.once("finish", close);
    });
    let read = 0;
    incoming.on("data", (chunk: Buffer) => {
      read += chunk.length;
      if (read > LINGER_BYTES) close();
    });
  };
}
