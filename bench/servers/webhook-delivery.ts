import { type Agent, request as httpRequest } from "node:http";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import type { RequestPart } from "../lib/request-feed.ts";
import { BENCH_CLIENT_SECRET } from "./partnerkit.ts";

/** Our server's webhook receiver (`POST`). */
export const WEBHOOK_PATH = "/webhooks";

/** A delivery as Vercel sends it: the envelope of spec §6.1. */
export interface WebhookEnvelope {
  id: string;
  type: string;
  createdAt: number;
  payload: Record<string, unknown>;
}

/** Raw bytes and their `x-vercel-signature`, ready to send as they are. */
export interface SignedDelivery {
  body: Buffer;
  signature: string;
}

/** Serialises `envelope` once and signs those exact bytes with the client secret our server has. */
export function signDelivery(envelope: WebhookEnvelope): SignedDelivery {
  const body = Buffer.from(JSON.stringify(envelope));
  return { body, signature: signWebhookPayload(body, BENCH_CLIENT_SECRET) };
}

/** The headers and body of one delivery's request. */
export function deliveryRequest(delivery: SignedDelivery): RequestPart & { body: Buffer } {
  return {
    headers: { "content-type": "application/json", "x-vercel-signature": delivery.signature },
    body: delivery.body,
  };
}

/**
 * Posts one delivery over `agent` (keep-alive, so connection setup is not timed) and resolves
 * with the status once the whole answer has arrived.
 */
export function postDelivery(
  baseUrl: string,
  delivery: SignedDelivery,
  agent: Agent,
): Promise<number> {
  const { headers, body } = deliveryRequest(delivery);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      new URL(WEBHOOK_PATH, baseUrl),
      { method: "POST", agent, headers: { ...headers, "content-length": String(body.length) } },
      (response) => {
        response.resume();
        response.once("end", () => resolve(response.statusCode ?? 0));
        response.once("error", reject);
      },
    );
    request.once("error", reject);
    request.end(body);
  });
}
