/**
 * A body over the limit is answered 413 with the spec's error body (§3.3), and the caller reads
 * that answer however it uploads: the server must not reset the connection while the caller is
 * still sending the rest of the body.
 */
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import acmeKv from "../../examples/acme-kv/src/index.ts";
import { createLogger } from "../../packages/partnerkit/src/logger.ts";
import { ErrorBody } from "../../packages/partnerkit/src/protocol/errors.ts";
import { createPartnerkit, type Partnerkit } from "../../packages/partnerkit/src/runtime.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import { createE2eDatabase, type E2eDatabase, freePort } from "../support/server-process.ts";

const BODY_BYTES = 5 * 1024 * 1024;
const ATTEMPTS = 30;

let partnerkit: Partnerkit;
let database: E2eDatabase;
let port: number;

beforeAll(async () => {
  database = await createE2eDatabase();
  port = await freePort();
  partnerkit = createPartnerkit({
    integration: acmeKv,
    databaseUrl: database.url,
    clientIds: ["oac_body_limit_test"],
    clientSecret: randomBytes(24).toString("base64url"),
    encryptionKey: SecretBox.generateKey(),
    logger: createLogger("silent"),
  });
  await partnerkit.listen(port);
});

afterAll(async () => {
  await partnerkit?.stop();
  await database?.drop();
});

type Upload = "all at once" | "in slow chunks";

/**
 * POSTs `BODY_BYTES` on a raw connection, the head first and then the body as `framing` says,
 * without waiting for the answer (as most HTTP clients do); resolves with what was read.
 */
function upload(framing: "content-length" | "chunked", pace: Upload): Promise<string> {
  return new Promise((resolve) => {
    // Half-open: the server's FIN does not stop the upload, as with a client that only reads once
    // it has sent everything.
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const received: Buffer[] = [];
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(received).toString("latin1"));
    };
    const timer = setTimeout(done, 15_000);
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("close", done);
    // The outcome is what was read: an EPIPE or reset shows as a missing answer.
    socket.on("error", () => {});
    const head = [
      "POST /v1/installations/icfg_big/resources HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      "Content-Type: application/json",
      framing === "chunked" ? "Transfer-Encoding: chunked" : `Content-Length: ${BODY_BYTES}`,
    ];
    socket.write(`${head.join("\r\n")}\r\n\r\n`);
    const piece = Buffer.alloc(pace === "all at once" ? BODY_BYTES : 256 * 1024, "x");
    const frame = (bytes: Buffer) =>
      framing === "chunked"
        ? Buffer.concat([
            Buffer.from(`${bytes.length.toString(16)}\r\n`),
            bytes,
            Buffer.from("\r\n"),
          ])
        : bytes;
    let sent = 0;
    const sendNext = () => {
      if (finished || socket.destroyed) return;
      if (sent >= BODY_BYTES) {
        socket.end(framing === "chunked" ? "0\r\n\r\n" : "");
        return;
      }
      sent += piece.length;
      socket.write(frame(piece), () => {
        if (pace === "all at once") sendNext();
        else setTimeout(sendNext, 5);
      });
    };
    sendNext();
  });
}

function statusAndError(text: string) {
  const headEnd = text.indexOf("\r\n\r\n");
  const status = Number(text.slice(0, headEnd).split("\r\n")[0]?.split(" ")[1]);
  const lengthHeader = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, headEnd + 2));
  const body = text.slice(headEnd + 4, headEnd + 4 + Number(lengthHeader?.[1] ?? 0));
  return { status, body };
}

describe("a body over 1 MB", () => {
  for (const framing of ["content-length", "chunked"] as const) {
    for (const pace of ["all at once", "in slow chunks"] as const) {
      it(`sent ${pace} with ${framing} framing is a 413 the caller reads, every time`, async () => {
        for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
          const text = await upload(framing, pace);
          const { status, body } = statusAndError(text);
          expect(status, `attempt ${attempt}: ${JSON.stringify(text.slice(0, 200))}`).toBe(413);
          expect(ErrorBody.parse(JSON.parse(body)).error.code).toBe("payload_too_large");
        }
      }, 120_000);
    }
  }
});
