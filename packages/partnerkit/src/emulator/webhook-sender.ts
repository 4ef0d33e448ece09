import { randomBytes, randomInt } from "node:crypto";
import { signWebhookPayload } from "../auth/webhook-signature.ts";
import { type WebhookEnvelope, webhookInstallationId } from "../protocol/webhooks.ts";
import type { Fetch } from "./partner-client.ts";
import type { CallRecorder } from "./recorder.ts";

export interface RetryPolicy {
  /** Deliveries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface DeliveryOptions {
  /** Send the same delivery this many extra times after it succeeds, as Vercel may. */
  duplicates?: number;
  /** Wait before the first attempt. */
  delayMs?: number;
  /** Break the delivery on purpose: a wrong signature, or a body changed after signing. */
  tamper?: "signature" | "body";
  retry?: Partial<RetryPolicy>;
}

export interface DeliveryAttempt {
  status: number;
  error?: string;
}

/**
 * Whether the partner did the right thing: take a signed delivery (2xx), and refuse a tampered one
 * with a 4xx, as any forged request (spec §6.2). A 5xx or no answer to a tampered one is a fault too.
 */
export type DeliveryVerdict =
  | "delivered"
  | "not delivered"
  | "rejected as expected"
  | "tampered delivery accepted"
  | "tampered delivery not refused cleanly";

export interface DeliveryResult {
  envelope: WebhookEnvelope;
  delivered: boolean;
  verdict: DeliveryVerdict;
  /** Whether the verdict is what a correct partner earns. */
  passed: boolean;
  attempts: DeliveryAttempt[];
}

/** Sends one signed delivery of `type` to the partner (the emulator's `deliver`). */
export type Deliver = (
  type: string,
  payload: Record<string, unknown>,
  options?: DeliveryOptions,
) => Promise<DeliveryResult>;

export interface WebhookSenderOptions {
  url: string;
  secret: string;
  recorder: CallRecorder;
  fetch?: Fetch;
  /** Vercel gives up on a delivery after 30 s (spec §6.3). */
  timeoutMs?: number;
  /** Retry policy of every delivery unless one says otherwise. */
  retry?: Partial<RetryPolicy>;
}

// Vercel retries for up to 24 h; the emulator keeps the same shape on a laptop's time scale.
const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 4_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends signed webhook deliveries (spec §6) and retries non-2xx answers with backoff like Vercel. */
export class WebhookSender {
  private readonly fetch: Fetch;

  constructor(private readonly options: WebhookSenderOptions) {
    this.fetch = options.fetch ?? ((request) => fetch(request));
  }

  envelope(type: string, payload: Record<string, unknown>): WebhookEnvelope {
    return {
      id: `evt_${randomBytes(12).toString("base64url")}`,
      type,
      createdAt: Date.now(),
      region: "iad1",
      payload,
    };
  }

  /**
   * Delivers several events one after another in a chosen order: `reversed` or `shuffled` show
   * whether a partner tolerates out-of-order arrival (spec §6.3), e.g. `paid` before `created`.
   */
  async deliverAll(
    envelopes: WebhookEnvelope[],
    options: DeliveryOptions & { order?: "as-given" | "reversed" | "shuffled" } = {},
  ): Promise<DeliveryResult[]> {
    const { order = "as-given", ...delivery } = options;
    const sequence =
      order === "reversed"
        ? [...envelopes].reverse()
        : order === "shuffled"
          ? shuffled(envelopes)
          : envelopes;
    const results: DeliveryResult[] = [];
    for (const envelope of sequence) results.push(await this.deliver(envelope, delivery));
    return results;
  }

  async deliver(envelope: WebhookEnvelope, options: DeliveryOptions = {}): Promise<DeliveryResult> {
    if (options.delayMs) await sleep(options.delayMs);
    if (options.tamper) return this.deliverTampered(envelope, options.tamper);
    const retry = { ...DEFAULT_RETRY, ...this.options.retry, ...options.retry };
    const attempts: DeliveryAttempt[] = [];
    for (let attempt = 0; attempt < retry.attempts; attempt++) {
      if (attempt > 0)
        await sleep(Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
      const outcome = await this.send(envelope);
      attempts.push(outcome);
      if (isSuccess(outcome)) {
        for (let copy = 0; copy < (options.duplicates ?? 0); copy++)
          attempts.push(await this.send(envelope));
        return { envelope, delivered: true, verdict: "delivered", passed: true, attempts };
      }
    }
    return { envelope, delivered: false, verdict: "not delivered", passed: false, attempts };
  }

  /** Sent once, as a forger would: Vercel never retries what it did not sign. */
  private async deliverTampered(
    envelope: WebhookEnvelope,
    tamper: NonNullable<DeliveryOptions["tamper"]>,
  ): Promise<DeliveryResult> {
    const attempt = await this.send(envelope, tamper);
    const refused = attempt.status >= 400 && attempt.status < 500;
    const verdict: DeliveryVerdict = isSuccess(attempt)
      ? "tampered delivery accepted"
      : refused
        ? "rejected as expected"
        : "tampered delivery not refused cleanly";
    return {
      envelope,
      delivered: isSuccess(attempt),
      verdict,
      passed: refused,
      attempts: [attempt],
    };
  }

  private async send(
    envelope: WebhookEnvelope,
    tamper?: DeliveryOptions["tamper"],
  ): Promise<DeliveryAttempt> {
    const signedBody = JSON.stringify(envelope);
    const signature = signWebhookPayload(signedBody, this.options.secret);
    const body =
      tamper === "body"
        ? JSON.stringify({ ...envelope, payload: { ...envelope.payload, tampered: true } })
        : signedBody;
    const headers = {
      "content-type": "application/json",
      "x-vercel-signature":
        tamper === "signature" ? signWebhookPayload(signedBody, "not-the-secret") : signature,
    };
    const started = performance.now();
    let attempt: DeliveryAttempt;
    try {
      const response = await this.fetch(
        new Request(this.options.url, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        }),
      );
      await response.arrayBuffer();
      attempt = { status: response.status };
    } catch (error) {
      attempt = { status: 0, error: String(error) };
    }
    this.options.recorder.record({
      direction: "webhook",
      method: "POST",
      url: this.options.url,
      status: attempt.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      installationId: webhookInstallationId(envelope.payload),
      requestBody: JSON.parse(body),
      error: attempt.error,
    });
    return attempt;
  }
}

const isSuccess = (attempt: DeliveryAttempt) => attempt.status >= 200 && attempt.status < 300;

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = randomInt(index + 1);
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
