import { html } from "hono/html";
import type { EmulatedResource } from "../state.ts";
import type { Html } from "./layout.ts";

/** A resource by its name, linked to its page; its id only when the emulator never saw it. */
export function resourceLink(
  id: string,
  resourceOf: (id: string) => EmulatedResource | undefined,
): Html {
  const resource = resourceOf(id);
  if (!resource) return html`<code>${id}</code>`;
  return html`<a href="/installations/${resource.installationId}/resources/${resource.id}" title="${resource.id}">${resource.name}</a>${resource.deleted ? " (deleted)" : ""}`;
}
