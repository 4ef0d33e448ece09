import type { Random } from "./random.ts";
import { SERVED_BY_HEADER } from "./round-robin-proxy.ts";

/** One request Vercel sent the partner, one attempt. */
export interface PartnerExchange {
  at: number;
  kind: "partner-api" | "webhook" | "redelivery";
  method: string;
  path: string;
  /** The delivery's event id, for webhooks. */
  eventId?: string;
  /** 0 for the first attempt of a Partner API call, then 1, 2… for Vercel's retries. */
  attempt?: number;
  status: number;
  /** The instance that answered (from the proxy's header); undefined when none did. */
  servedBy?: number;
}

export interface PartnerLinkOptions {
  /** The share of webhook deliveries sent a second time once accepted. */
  redeliveryRatio: number;
  /** How long a Partner API call is retried, as Vercel does with the same Idempotency-Key. */
  retryForMs: number;
  random: Random;
}

const WEBHOOK_PATH = "/webhooks";
/** The idempotency layer's answer while another request with the key runs (or its lease lasts). */
const STILL_PROCESSING = "still being processed";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The network between the emulated Vercel and the partner's load balancer, as the emulator's
 * `partnerFetch`: it records every exchange; retries Partner API calls that got a 5xx or were
 * refused while the same key was still running, unchanged (same token, same Idempotency-Key),
 * as Vercel does; and sends a share of accepted webhook deliveries again, which the round robin
 * takes to another instance.
 */
export class PartnerLink {
  readonly exchanges: PartnerExchange[] = [];

  constructor(private readonly options: PartnerLinkOptions) {}

  readonly fetch = async (request: Request): Promise<Response> => {
    const body = request.method === "GET" ? undefined : await request.text();
    const path = new URL(request.url).pathname;
    const send = () =>
      fetch(new Request(request.url, { method: request.method, headers: request.headers, body }));
    if (path === WEBHOOK_PATH) return this.deliver(send, body ?? "");
    return this.call(send, request.method, path);
  };

  private async deliver(send: () => Promise<Response>, body: string): Promise<Response> {
    const eventId = (JSON.parse(body) as { id?: string }).id;
    const answer = await this.exchange(send, {
      kind: "webhook",
      method: "POST",
      path: WEBHOOK_PATH,
      eventId,
    });
    if (answer.ok && this.options.random.chance(this.options.redeliveryRatio)) {
      await this.exchange(send, {
        kind: "redelivery",
        method: "POST",
        path: WEBHOOK_PATH,
        eventId,
      });
    }
    return answer;
  }

  private async call(send: () => Promise<Response>, method: string, path: string) {
    const deadline = Date.now() + this.options.retryForMs;
    for (let attempt = 0; ; attempt++) {
      const answer = await this.exchange(send, { kind: "partner-api", method, path, attempt });
      const retry =
        answer.status >= 500 ||
        (answer.status === 409 && (await answer.clone().text()).includes(STILL_PROCESSING));
      if (!retry || Date.now() >= deadline) return answer;
      await sleep(Math.min(2_000, 100 * 2 ** attempt));
    }
  }

  private async exchange(
    send: () => Promise<Response>,
    exchange: Omit<PartnerExchange, "at" | "status" | "servedBy">,
  ): Promise<Response> {
    const at = Date.now();
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      // The proxy itself never fails; keep the run going and let the checks see a status 0.
      this.exchanges.push({ ...exchange, at, status: 0 });
      return new Response(JSON.stringify({ error: String(error) }), { status: 502 });
    }
    const servedBy = response.headers.get(SERVED_BY_HEADER);
    this.exchanges.push({
      ...exchange,
      at,
      status: response.status,
      ...(servedBy !== null && { servedBy: Number(servedBy) }),
    });
    return response;
  }
}
