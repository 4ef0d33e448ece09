/**
 * Child-process entry of the webhook ceiling: for every delivery, what any receiver must do —
 * read the raw body, check its signature with our `verifyWebhookSignature`, parse the JSON — then
 * the answer our server gives. Nothing else: no routing, validation, logging, storage or jobs.
 */
import { createServer } from "node:http";
import { verifyWebhookSignature } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import { CEILING_ENV } from "./ceiling-env.ts";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`webhook-ceiling-server: ${name} is not set`);
  return value;
}

const secrets = [required(CEILING_ENV.webhookSecret)];
const body = required(CEILING_ENV.body);
const rejected = JSON.stringify({ error: { code: "signature_mismatch" } });

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const raw = Buffer.concat(chunks);
    const signature = request.headers["x-vercel-signature"];
    let ok = verifyWebhookSignature(
      raw,
      typeof signature === "string" ? signature : null,
      secrets,
    ).ok;
    try {
      JSON.parse(raw.toString("utf8"));
    } catch {
      ok = false;
    }
    response.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
    response.end(ok ? body : rejected);
  });
});

server.listen(Number(required(CEILING_ENV.port)), "127.0.0.1");
process.once("SIGTERM", () => server.close(() => process.exit(0)));
