import { html } from "hono/html";
import type { EmulatedInstallation } from "../state.ts";
import type { DeliveryResult } from "../webhook-sender.ts";
import { type Html, statusBadge } from "./layout.ts";

export type Tamper = "signature" | "body";

export interface TriggerView {
  types: string[];
  type: string;
  installations: EmulatedInstallation[];
  /** The installation the sample payload is about. */
  installationId?: string;
  /** The payload in the editor, as JSON text. */
  payload: string;
  tamper?: Tamper;
  result?: DeliveryResult;
  error?: string;
}

const TAMPER_OPTIONS: [Tamper | "", string][] = [
  ["", "No: a valid signature"],
  ["signature", "Sign with the wrong secret"],
  ["body", "Change the body after signing"],
];

/** Send any webhook event to the partner, signed, optionally duplicated or tampered with. */
export function triggerPage(view: TriggerView): Html {
  return html`<h1>Webhooks</h1>
    ${view.result ? deliveryResult(view.result, view.tamper) : ""}
    ${view.error ? html`<section class="error" role="alert"><p>${view.error}</p></section>` : ""}
    <section>
      <h2>Trigger an event</h2>
      <form method="get" action="/webhooks">
        <label for="type">Event</label>
        <select id="type" name="type" onchange="this.form.submit()">
          ${view.types.map((type) => html`<option value="${type}" ${type === view.type ? "selected" : ""}>${type}</option>`)}
        </select>
        <label for="installation">Installation</label>
        <select id="installation" name="installationId" onchange="this.form.submit()">
          ${
            view.installations.length === 0
              ? html`<option value="">None yet: a placeholder id</option>`
              : view.installations.map(
                  (installation) =>
                    html`<option value="${installation.id}" ${installation.id === view.installationId ? "selected" : ""}>${installation.id} (${installation.status})</option>`,
                )
          }
        </select>
        <noscript><button type="submit" class="secondary">Use this sample</button></noscript>
      </form>
      <form method="post" action="/webhooks">
        <input type="hidden" name="type" value="${view.type}" />
        <input type="hidden" name="installationId" value="${view.installationId ?? ""}" />
        <label for="payload">Payload</label>
        <textarea id="payload" name="payload" rows="14" style="width:100%;font-family:monospace">${view.payload}</textarea>
        <label for="duplicates">Extra copies after it is accepted</label>
        <input id="duplicates" name="duplicates" type="number" min="0" max="5" value="0" />
        <label for="tamper">Tamper</label>
        <select id="tamper" name="tamper">
          ${TAMPER_OPTIONS.map(([value, label]) => html`<option value="${value}" ${value === (view.tamper ?? "") ? "selected" : ""}>${label}</option>`)}
        </select>
        <div><button type="submit">Send</button></div>
      </form>
    </section>`;
}

/**
 * Whether the partner did the right thing: accept a signed delivery, and refuse a tampered one
 * with a 4xx (a 5xx or no answer is a fault either way).
 */
function verdict(result: DeliveryResult, tamper: Tamper | undefined): Html {
  if (!tamper) {
    return result.delivered
      ? html`${statusBadge("succeeded")} delivered`
      : html`${statusBadge("failed")} not accepted`;
  }
  if (result.delivered) return html`${statusBadge("failed")} a tampered delivery was accepted`;
  const refused = result.attempts.every((attempt) => attempt.status >= 400 && attempt.status < 500);
  return refused
    ? html`${statusBadge("succeeded")} rejected as expected`
    : html`${statusBadge("failed")} not refused cleanly (expected a 4xx)`;
}

function deliveryResult(result: DeliveryResult, tamper: Tamper | undefined): Html {
  return html`<section role="status" data-delivery-result>
    <h2>${result.envelope.type}</h2>
    <p>${verdict(result, tamper)}</p>
    <p>Event <code>${result.envelope.id}</code>${tamper ? html` (tampered: ${tamper === "body" ? "body changed after signing" : "wrong signing secret"})` : ""}; attempts answered
      ${result.attempts.map((attempt) => html`<code>${attempt.status || attempt.error}</code> `)}
    </p>
  </section>`;
}
