import { html } from "hono/html";
import type { JsonObject } from "../../protocol/common.ts";
import type { EmulatedInstallation, EmulatedResource } from "../state.ts";
import type { Html } from "./layout.ts";
import { metadataFields } from "./metadata-form.ts";
import type { FieldErrors, FormContext } from "./metadata-validation.ts";
import type { ConsoleProduct } from "./pages.ts";
import { isFreePlan } from "./plan-tier.ts";

export interface ResourceSettingsView {
  installation: EmulatedInstallation;
  resource: EmulatedResource;
  product: ConsoleProduct | undefined;
  settings?: { metadata: JsonObject; errors: FieldErrors };
}

/** The update form's context: a resource on a free plan does not show its paid-only fields. */
export function updateContext(resource: EmulatedResource): FormContext {
  return {
    mode: "update",
    paidPlan: resource.billingPlan ? !isFreePlan(resource.billingPlan) : true,
  };
}

/** The resource's settings form: its metadata as Vercel's form draws it on update (Update Resource). */
export function resourceSettings({
  installation,
  resource,
  product,
  settings,
}: ResourceSettingsView): Html {
  const base = `/installations/${installation.id}/resources/${resource.id}`;
  return html`<section id="settings">
    <h2>Settings</h2>
    ${settings ? html`<p class="field-error" role="alert">Not sent: the form has values Vercel would refuse.</p>` : ""}
    <form method="post" action="${base}/update">
      <label for="settings-name">Name</label>
      <input id="settings-name" name="name" value="${resource.name}" required />
      ${metadataFields(product?.metadataSchema, settings?.metadata ?? resource.metadata ?? {}, {
        ...updateContext(resource),
        errors: settings?.errors,
      })}
      ${product?.experimentation?.edgeConfigSyncing ? flagsSyncSetting(resource) : ""}
      <div><button type="submit">Save settings</button></div>
    </form>
    <p class="muted">Saving sends <code>PATCH …/resources/${resource.id}</code>; read-only and disabled fields keep their values.</p>
  </section>`;
}

/** Syncing is turned on here when it was not at provisioning: Update Resource names a new Edge Config. */
function flagsSyncSetting(resource: EmulatedResource): Html {
  if (resource.edgeConfig) {
    return html`<p>Flags sync to Edge Config <code>${resource.edgeConfig.id}</code>.</p>`;
  }
  return html`<label class="inline"><input type="checkbox" name="syncFlags" value="on" />
      Sync flags to an Edge Config</label>
    <p class="muted">Saving with this ticked sends a new <code>protocolSettings.experimentation.edgeConfigId</code>.</p>`;
}
