import { Hono } from "hono";
import { SAMPLE_EVENT_TYPES, samplePayload } from "../sample-events.ts";
import type { EmulatorState } from "../state.ts";
import type { Deliver } from "../webhook-sender.ts";
import { formValues } from "./form.ts";
import { page } from "./layout.ts";
import { type Tamper, triggerPage } from "./webhook-pages.ts";

export interface WebhookConsoleOptions {
  state: EmulatorState;
  deliver: Deliver;
}

/** The Webhooks page: any event about a chosen installation, signed, duplicated or tampered with. */
export function webhookRoutes({ state, deliver }: WebhookConsoleOptions): Hono {
  const routes = new Hono();
  const installationIdOf = (value: string | undefined) =>
    value && state.installations.has(value) ? value : [...state.installations.keys()].at(-1);

  routes.get("/webhooks", (c) => {
    const type = SAMPLE_EVENT_TYPES.find((candidate) => candidate === c.req.query("type"));
    const chosen = type ?? SAMPLE_EVENT_TYPES[0] ?? "";
    const installationId = installationIdOf(c.req.query("installationId"));
    const payload = JSON.stringify(samplePayload(chosen, state, { installationId }), null, 2);
    return page(
      c,
      "Webhooks",
      triggerPage({
        types: SAMPLE_EVENT_TYPES,
        type: chosen,
        installations: [...state.installations.values()],
        installationId,
        payload,
      }),
    );
  });

  routes.post("/webhooks", async (c) => {
    const form = await formValues(c);
    const tamper: Tamper | undefined =
      form.tamper === "signature" || form.tamper === "body" ? form.tamper : undefined;
    const view = {
      types: SAMPLE_EVENT_TYPES,
      type: form.type ?? "",
      installations: [...state.installations.values()],
      installationId: installationIdOf(form.installationId),
      payload: form.payload ?? "",
      tamper,
    };
    let payload: unknown;
    try {
      payload = JSON.parse(view.payload);
    } catch {
      return page(
        c,
        "Webhooks",
        triggerPage({ ...view, error: "The payload is not valid JSON" }),
        400,
      );
    }
    if (!payload || typeof payload !== "object" || Array.isArray(payload)) {
      return page(
        c,
        "Webhooks",
        triggerPage({ ...view, error: "The payload must be a JSON object" }),
        400,
      );
    }
    const result = await deliver(view.type, payload as Record<string, unknown>, {
      duplicates: Math.min(5, Math.max(0, Number(form.duplicates) || 0)),
      tamper,
      retry: { attempts: 1 },
    });
    return page(c, "Webhooks", triggerPage({ ...view, result }));
  });

  return routes;
}
