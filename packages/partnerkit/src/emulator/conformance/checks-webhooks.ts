import { randomBytes } from "node:crypto";
import { signWebhookPayload } from "../../auth/webhook-signature.ts";
import {
  type Check,
  type ConformanceState,
  type ConformanceTarget,
  described,
  expectRefusal,
  fail,
  pass,
  skip,
} from "./check.ts";

/** One delivery body per run, so the duplicate check sees the same event id twice. */
const deliveries = new WeakMap<ConformanceState, string>();

function deliveryOf(state: ConformanceState): string {
  const known = deliveries.get(state);
  if (known) return known;
  const body = JSON.stringify({
    id: `evt_conformance_${randomBytes(6).toString("hex")}`,
    type: "marketplace.member.changed",
    createdAt: Date.now(),
    region: null,
    payload: { installationId: state.installationId, memberId: "user_conformance", role: "USER" },
  });
  deliveries.set(state, body);
  return body;
}

async function post(target: ConformanceTarget, state: ConformanceState, secret: string) {
  const webhook = target.webhook;
  if (!webhook) throw new Error("no webhook target");
  const body = deliveryOf(state);
  const response = await webhook.fetch(
    new Request(webhook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-vercel-signature": signWebhookPayload(body, secret),
      },
      body,
    }),
  );
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A plain-text answer is described as it is.
  }
  return {
    sent: `POST ${webhook.url} (marketplace.member.changed)`,
    answer: { status: response.status, body: parsed, headers: response.headers },
  };
}

const is2xx = (status: number) => status >= 200 && status < 300;

/**
 * Webhook deliveries (spec §6.2, §6.3). Refusing a forged signature is the security verdict; which
 * 4xx and which body it answers is a format remark.
 */
export const WEBHOOK_CHECKS: Check[] = [
  {
    id: "webhook-signature",
    section: "§6.2",
    title: "A webhook with a wrong signature is refused",
    async run(target, state) {
      if (!target.webhook) return skip("no --webhook-url given");
      return expectRefusal(await post(target, state, "not-the-client-secret"), [401, 403]);
    },
  },
  {
    id: "webhook-delivery",
    section: "§6.3",
    title: "A signed webhook is acknowledged with 2xx, and so is its duplicate",
    async run(target, state) {
      if (!target.webhook) return skip("no --webhook-url given");
      const signed = await post(target, state, target.webhook.secret);
      if (!is2xx(signed.answer.status)) return fail(`${described(signed)}; expected 2xx`);
      const duplicate = await post(target, state, target.webhook.secret);
      return is2xx(duplicate.answer.status)
        ? pass()
        : fail(`the same event again: ${described(duplicate)}; expected 2xx (dedupe on id)`);
    },
  },
];
