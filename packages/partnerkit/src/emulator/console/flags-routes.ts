import { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import type { CallRecorder } from "../recorder.ts";
import type { EmulatedResource, EmulatorState } from "../state.ts";
import {
  type FaultPlan,
  isProvisioningWindow,
  provisioningNotFinished,
} from "../vercel-api/faults.ts";
import type { VercelApiState } from "../vercel-api/store.ts";
import { type FlagsSummary, flagsPage } from "./flags-pages.ts";
import { formValues } from "./form.ts";
import { errorBox, page } from "./layout.ts";

export interface FlagsConsoleOptions {
  state: EmulatorState;
  recorder: CallRecorder;
  /** What the partner pushed to Vercel's experimentation API, and the fault plan of that API. */
  vercelApi: { store: VercelApiState; faults: FaultPlan };
}

const DelayForm = z.object({
  ms: z.coerce.number().int().min(1).max(600_000),
  status: z.coerce.number().pipe(z.union([z.literal(404), z.literal(409)])),
});

/** The console's Flags page of a resource (spec §5.18) and its provisioning-delay control. */
export function flagsRoutes({ state, recorder, vercelApi }: FlagsConsoleOptions) {
  const { store, faults } = vercelApi;
  const routes = new Hono();

  const resourceOf = (installationId: string, resourceId: string) => {
    const resource = state.resources.get(resourceId);
    return resource?.installationId === installationId ? resource : undefined;
  };

  routes.get("/installations/:id/resources/:rid/flags", (c) => {
    const installation = state.installations.get(c.req.param("id"));
    const resource = resourceOf(c.req.param("id"), c.req.param("rid"));
    if (!installation || !resource) return page(c, "Not found", errorBox("No such resource"), 404);
    const marker = `/resources/${resource.id}/experimentation/`;
    const delay = faults.pending().find(isProvisioningWindow);
    return page(
      c,
      `Flags of ${resource.name}`,
      flagsPage({
        ...flagsSummary(store, resource),
        installation,
        delay: delay && {
          ms: delay.withinMsOfProvisioning ?? 0,
          status: delay.status ?? 409,
        },
        calls: recorder
          .list({ direction: "partner→vercel", installationId: installation.id })
          .filter((call) => new URL(call.url).pathname.includes(marker)),
      }),
    );
  });

  routes.post("/installations/:id/resources/:rid/flags/provisioning-delay", async (c) => {
    const resource = resourceOf(c.req.param("id"), c.req.param("rid"));
    if (!resource) return page(c, "Not found", errorBox("No such resource"), 404);
    const form = await formValues(c);
    const parsed = DelayForm.safeParse(form);
    if (form.off === undefined && !parsed.success) {
      return page(
        c,
        "Delay not set",
        html`<section class="error" role="alert">
          <h2>Delay not set</h2>
          <p>The delay is a whole number of milliseconds from 1 to 600000, answered with 404 or 409.</p>
        </section>`,
        400,
      );
    }
    faults.remove(isProvisioningWindow);
    if (form.off === undefined && parsed.success) {
      faults.add(provisioningNotFinished(parsed.data.ms, parsed.data.status));
    }
    return c.redirect(
      `/installations/${resource.installationId}/resources/${resource.id}/flags`,
      303,
    );
  });

  return routes;
}

/** What the resource page's Flags section shows. */
export function flagsSummary(store: VercelApiState, resource: EmulatedResource): FlagsSummary {
  return {
    resource,
    items: store.experimentationItemsOf(resource.id),
    config: store.flagsConfigs.get(resource.id),
  };
}
