import { html } from "hono/html";
import type { ReplBlock, TextBlock } from "../../protocol/repl.ts";
import type { EmulatedInstallation, EmulatedResource, EmulatedTransfer } from "../state.ts";
import { envTable, type Html, statusBadge } from "./layout.ts";
import type { ReplCommandInfo } from "./pages.ts";
import { formatInstant } from "./time.ts";

/** What the last rotation request of a resource came to. */
export type RotationOutcome = { at: string; delayHours?: number } & (
  | { sync: true; rotated: string[]; partial: boolean }
  /** `applied` once the partner sent the new secrets through Update Resource Secrets (§5.11). */
  | { sync: false; applied: boolean }
);

/** A REPL command of a resource and what the partner (or, for `help`, the console) answered. */
export interface ReplOutcome {
  input: string;
  readOnly: boolean;
  /** The partner's status; anything but 200 is a refusal. */
  status: number;
  blocks: ReplBlock[];
  /** A refusal's message, when it did not come as blocks. */
  message?: string;
  /** The console's own answer to `help`: the product's commands. */
  commands?: ReplCommandInfo[];
}

export interface ResourceToolsView {
  installation: EmulatedInstallation;
  resource: EmulatedResource;
  /** The installation's live resources, offered for a transfer. */
  resources: EmulatedResource[];
  /** Whether the product declares a REPL. */
  repl: boolean;
  /** The REPL's commands, when the product definition names them. */
  replCommands?: ReplCommandInfo[];
  rotation?: RotationOutcome;
  /** The resource's REPL session, newest first. */
  replHistory: ReplOutcome[];
  /** The transfer claims this resource is part of. */
  transfers: EmulatedTransfer[];
}

/** The rotation, REPL and transfer panels of a live resource's page. */
export function resourceTools(view: ResourceToolsView): Html {
  return html`${rotationSection(view)} ${view.repl ? replSection(view) : ""} ${transferSection(view)}`;
}

function rotationSection({ installation, resource, rotation }: ResourceToolsView): Html {
  const base = `/installations/${installation.id}/resources/${resource.id}`;
  return html`<section id="rotate">
    <h2>Rotate secrets</h2>
    ${rotation ? html`<p role="status">${rotationOutcome(rotation)}</p>` : ""}
    <p class="muted">Current values, as Vercel holds them:</p>
    ${envTable(Object.fromEntries(resource.secrets.map((secret) => [secret.name, secret.value])))}
    <form method="post" action="${base}/rotate">
      <label for="rotate-reason">Reason (optional)</label>
      <input id="rotate-reason" name="reason" />
      <label for="rotate-delay">Keep the old secrets working for (hours, 0–720)</label>
      <input id="rotate-delay" name="delayOldSecretsExpirationHours" type="number" min="0" max="720" step="any" value="${rotation?.delayHours ?? 0}" />
      <div><button type="submit">Request rotation</button></div>
    </form>
  </section>`;
}

function rotationOutcome(rotation: RotationOutcome): Html {
  const at = formatInstant(rotation.at);
  if (rotation.sync) {
    const names = rotation.rotated.map((name) => html`<code>${name}</code> `);
    const scope = rotation.partial ? "(only these changed)" : "(the full set)";
    return html`${statusBadge("succeeded")} Rotated at ${at}: the partner answered new ${names}${scope}, and Vercel applied them.`;
  }
  return rotation.applied
    ? html`${statusBadge("succeeded")} Requested at ${at}: the partner answered 202, then sent the new secrets (Update Resource Secrets).`
    : html`${statusBadge("pending")} Requested at ${at}: the partner answered 202; waiting for it to send the new secrets (Update Resource Secrets).`;
}

function replSection({
  installation,
  resource,
  replCommands,
  replHistory,
}: ResourceToolsView): Html {
  const base = `/installations/${installation.id}/resources/${resource.id}`;
  const readOnly = replHistory[0]?.readOnly ?? true;
  return html`<section id="repl">
    <h2>REPL</h2>
    ${replCommands?.length ? html`<div data-repl-commands>${commandTable(replCommands)}</div><p class="muted"><code>help</code> lists them again.</p>` : html`<p class="muted">Type <code>help</code> to ask the partner for its commands.</p>`}
    <form method="post" action="${base}/repl">
      <label for="repl-input">Command</label>
      <input id="repl-input" name="input" autocomplete="off" required />
      <label style="font-weight:normal"><input type="checkbox" name="readOnly" value="true" style="min-width:0" ${readOnly ? "checked" : ""} /> Read-only</label>
      <button type="submit">Run</button>
    </form>
    ${replHistory.length === 0 ? "" : html`<h3>History <span class="muted">(newest first)</span></h3>${replHistory.map(replOutput)}`}
  </section>`;
}

/** The commands a product's REPL offers: what `help` answers and the panel lists up front. */
export function commandTable(commands: ReplCommandInfo[]): Html {
  return html`<table>
    <tr><th>Command</th><th>Changes data</th><th>Description</th></tr>
    ${commands.map(
      (command) => html`<tr>
        <td><code>${[command.name, ...(command.args ?? []).map((arg) => `<${arg}>`)].join(" ")}</code></td>
        <td>${command.write ? "yes" : "no"}</td>
        <td>${command.description ?? ""}</td>
      </tr>`,
    )}
  </table>`;
}

function replOutput(outcome: ReplOutcome): Html {
  const refused = outcome.status !== 200;
  return html`<div data-repl-output class="repl-entry${refused ? " error" : ""}" ${refused ? html`role="alert"` : ""}>
    <p class="muted"><code>&gt; ${outcome.input}</code>${refused ? ` — the partner answered ${outcome.status}` : ""}</p>
    ${outcome.message ? html`<p>${outcome.message}</p>` : ""}
    ${outcome.commands ? commandTable(outcome.commands) : ""}
    ${outcome.blocks.map(replBlock)}
  </div>`;
}

function replBlock(block: ReplBlock): Html {
  if (block.type === "paragraph") return html`<p>${block.children.map(textBlock)}</p>`;
  return html`<table>
    ${block.header ? html`<tr>${block.header.map((cell) => html`<th>${textBlock(cell)}</th>`)}</tr>` : ""}
    ${block.rows.map((row) => html`<tr>${row.map((cell) => html`<td>${textBlock(cell)}</td>`)}</tr>`)}
  </table>`;
}

// The partner's text lands in the console's own page: only web links and plain colour values.
const SAFE_HREF = /^https?:\/\//i;
const SAFE_COLOR = /^(#[0-9a-f]{3,8}|[a-z]+)$/i;

function textBlock(block: TextBlock): Html {
  let text: Html = html`${block.text}`;
  if (block.bold) text = html`<strong>${text}</strong>`;
  if (block.italic) text = html`<em>${text}</em>`;
  if (block.color && SAFE_COLOR.test(block.color)) {
    text = html`<span style="color:${block.color}">${text}</span>`;
  }
  if (block.href && SAFE_HREF.test(block.href)) text = html`<a href="${block.href}">${text}</a>`;
  return text;
}

function transferSection({
  installation,
  resource,
  resources,
  transfers,
}: ResourceToolsView): Html {
  return html`<section id="transfer">
    <h2>Transfer</h2>
    <p class="muted">A claim over resources of this installation (spec §4.16) that another installation verifies and accepts.</p>
    <form method="post" action="/installations/${installation.id}/transfers">
      <label>Resources</label>
      ${resources.map(
        (candidate) =>
          html`<label style="font-weight:normal"><input type="checkbox" name="resourceIds" value="${candidate.id}" style="min-width:0" ${candidate.id === resource.id ? "checked" : ""} /> ${candidate.name} <code>${candidate.id}</code></label>`,
      )}
      <label for="transfer-hours">Claimable for (hours)</label>
      <input id="transfer-hours" name="expiresInHours" type="number" min="0" step="any" value="24" />
      <div><button type="submit">Create transfer request</button></div>
    </form>
    ${
      transfers.length === 0
        ? ""
        : html`<table>
            <tr><th>Claim</th><th>Status</th></tr>
            ${transfers.map(
              (transfer) => html`<tr>
                <td><a href="/transfers/${transfer.id}">${transfer.id}</a></td>
                <td>${statusBadge(transferStatus(transfer))}</td>
              </tr>`,
            )}
          </table>`
    }
  </section>`;
}

export function transferStatus(
  transfer: EmulatedTransfer,
): "accepted" | "expired" | "verified" | "pending" {
  if (transfer.acceptedBy) return "accepted";
  if (transfer.expiresAt <= Date.now()) return "expired";
  return transfer.verified ? "verified" : "pending";
}

export interface TransferView {
  transfer: EmulatedTransfer;
  /** The transfer's resources as Vercel knows them now (moved ones under their new owner). */
  resources: (EmulatedResource | undefined)[];
  /** Installations the claim can be accepted into. */
  targets: EmulatedInstallation[];
  /** The target to preselect, e.g. the one just installed. */
  target?: string;
}

export function transferPage({ transfer, resources, targets, target }: TransferView): Html {
  const { verified, acceptedBy } = transfer;
  return html`<h1>Transfer ${transfer.id} ${statusBadge(transferStatus(transfer))}</h1>
    <section>
      <table>
        <tr><th>From</th><td><a href="/installations/${transfer.sourceInstallationId}">${transfer.sourceInstallationId}</a></td></tr>
        <tr><th>Resources</th><td>${transfer.resourceIds.map((id, index) => {
          const resource = resources[index];
          return resource
            ? html`<div><a href="/installations/${resource.installationId}/resources/${id}">${resource.name}</a> <code>${id}</code></div>`
            : html`<div><code>${id}</code></div>`;
        })}</td></tr>
        <tr><th>Claimable until</th><td>${formatInstant(transfer.expiresAt)}</td></tr>
        <tr><th>Verified</th><td>${
          verified
            ? html`by <a href="/installations/${verified.targetInstallationId}">${verified.targetInstallationId}</a>: <code>${JSON.stringify(verified.answer)}</code>`
            : "—"
        }</td></tr>
        <tr><th>Accepted into</th><td>${acceptedBy ? html`<a href="/installations/${acceptedBy}">${acceptedBy}</a>` : "—"}</td></tr>
      </table>
    </section>
    ${acceptedBy ? "" : claimForm(transfer, targets, target ?? verified?.targetInstallationId)}`;
}

function claimForm(
  transfer: EmulatedTransfer,
  targets: EmulatedInstallation[],
  selected: string | undefined,
): Html {
  const base = `/transfers/${transfer.id}`;
  return html`<section>
    <h2>Claim</h2>
    <form method="post" action="${base}/verify">
      <label for="transfer-target">Target installation</label>
      <select id="transfer-target" name="target">
        ${targets.map(
          (installation) =>
            html`<option value="${installation.id}" ${installation.id === selected ? "selected" : ""}>${installation.id}</option>`,
        )}
        <option value="new">A new installation (installed now)</option>
      </select>
      <div>
        <button type="submit" class="secondary">Verify</button>
        <button type="submit" formaction="${base}/accept">Accept</button>
      </div>
    </form>
    <p class="muted">Verify sends <code>GET …/verify</code> as the target; Accept sends <code>POST …/accept</code>, which moves the resources.</p>
  </section>`;
}
