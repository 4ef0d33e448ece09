import { html } from "hono/html";
import type { DeliveryResult } from "../webhook-sender.ts";
import { type Html, statusBadge } from "./layout.ts";

export interface TriggerView {
  types: string[];
  type: string;
  /** The payload in the editor, as JSON text. */
  payload: string;
  result?: DeliveryResult;
  error?: string;
}

/** Send any webhook event to the partner, signed, optionally duplicated or tampered with. */
export function triggerPage(view: TriggerView): Html {
  return html`<h1>Webhooks</h1>
    ${view.result ? deliveryResult(view.result) : ""}
    ${view.error ? html`<section class="error" role="alert"><p>${view.error}</p></section>` : ""}
    <section>
      <h2>Trigger an event</h2>
      <form method="get" action="/webhooks">
        <label for="type">Event</label>
        <select id="type" name="type" onchange="this.form.submit()">
          ${view.types.map((type) => html`<option value="${type}" ${type === view.type ? "selected" : ""}>${type}</option>`)}
        </select>
      </form>
      <form method="post" action="/webhooks">
        <input type="hidden" name="type" value="${view.type}" />
        <label for="payload">Payload</label>
        <textarea id="payload" name="payload" rows="14" style="width:100%;font-family:monospace">${view.payload}</textarea>
        <label for="duplicates">Extra copies after it is accepted</label>
        <input id="duplicates" name="duplicates" type="number" min="0" max="5" value="0" />
        <label for="tamper">Tamper</label>
        <select id="tamper" name="tamper">
          <option value="">No: a valid signature</option>
          <option value="signature">Sign with the wrong secret</option>
          <option value="body">Change the body after signing</option>
        </select>
        <div><button type="submit">Send</button></div>
      </form>
    </section>`;
}

function deliveryResult(result: DeliveryResult): Html {
  return html`<section>
    <h2>${result.envelope.type} ${statusBadge(result.delivered ? "succeeded" : "failed")}</h2>
    <p>Event <code>${result.envelope.id}</code>; attempts answered
      ${result.attempts.map((attempt) => html`<code>${attempt.status || attempt.error}</code> `)}
    </p>
  </section>`;
}
