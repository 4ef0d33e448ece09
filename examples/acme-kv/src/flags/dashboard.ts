import { Hono } from "hono";
import { html } from "hono/html";
import type { DashboardContext, DashboardDefinition, DashboardEnv } from "partnerkit";
import { z } from "zod";
import { evaluateFlag } from "./evaluate.ts";
import { type FlagChanges, flagPagePath } from "./flag-changes.ts";
import type { Flag } from "./flag-model.ts";
import type { FlagStore } from "./flag-store.ts";
import { ACME_FLAGS } from "./product.ts";

const resourcePath = (resourceId: string) =>
  `/dashboard/resources/${encodeURIComponent(resourceId)}`;

const ToggleForm = z.object({ enabled: z.enum(["true", "false"]) });

const json = (value: Flag["value"]) => JSON.stringify(value);

/**
 * Acme Flags' pages in the provider dashboard: a resource's flags, and a page per flag (where
 * Vercel's Flags UI links to, and where an SSO sign-in with `experimentation_item_id` lands) with
 * what it serves. An ADMIN turns a flag on or off there, through the same change as the API's.
 */
export function acmeFlagsDashboard(flags: FlagStore, changes: FlagChanges): DashboardDefinition {
  return {
    resourceLinks: [{ label: "Flags", path: "flags", productId: ACME_FLAGS }],
    async itemPage(itemId) {
      const flag = await flags.byId(itemId);
      return flag && { resourceId: flag.resourceId, path: flagPagePath(flag.id) };
    },
    routes: (tools) => {
      const pages = new Hono<DashboardEnv>();

      /** The flag of the session's resource `resourceId`, or a 404 page. */
      const flagOf = async (dashboard: DashboardContext, resourceId: string, flagId: string) => {
        const resource = await dashboard.resource(resourceId);
        const flag = await flags.byId(flagId);
        return { resource, flag: flag?.resourceId === resource.id ? flag : undefined };
      };
      const noSuchFlag = (dashboard: DashboardContext, resourceId: string) =>
        dashboard.page(
          "No such flag",
          html`<h1>No such flag</h1><section><p>This resource has no such flag.</p>
            <p><a href="${resourcePath(resourceId)}/flags">← Flags</a></p></section>`,
          404,
        );

      pages.get("/resources/:id/flags", async (c) => {
        const dashboard = c.get("dashboard");
        const resource = await dashboard.resource(c.req.param("id"));
        const all = await flags.list(resource.id);
        const base = resourcePath(resource.id);
        return dashboard.page(
          `${resource.name} · Flags`,
          html`<h1>${resource.name}</h1>
            <p class="sub">Acme Flags · Flags</p>
            <nav class="tabs">
              <a href="${base}">Details</a>
              <a class="current" aria-current="page" href="${base}/flags">Flags</a>
              <a href="${base}/secrets">Secrets</a>
            </nav>
            <section>
              <h2>Flags</h2>
              ${
                all.length === 0
                  ? html`<p class="muted">No flags yet: create one with the API or the REPL.</p>`
                  : html`<table>
                      <tr><th>Key</th><th>Serves</th><th>Enabled</th><th class="num">Rollout</th></tr>
                      ${all.map(
                        (flag) => html`<tr>
                          <td><a href="${base}/${flagPagePath(flag.id)}"><code>${flag.key}</code></a>${flag.archived ? html` <span class="muted">archived</span>` : ""}</td>
                          <td><code>${json(flag.value)}</code></td>
                          <td>${flag.enabled ? "On" : "Off"}</td>
                          <td class="num">${flag.rollout}%</td>
                        </tr>`,
                      )}
                    </table>`
              }
            </section>`,
        );
      });

      pages.get("/resources/:id/flags/:flagId", async (c) => {
        const dashboard = c.get("dashboard");
        const { resource, flag } = await flagOf(
          dashboard,
          c.req.param("id"),
          c.req.param("flagId"),
        );
        if (!flag) return noSuchFlag(dashboard, resource.id);
        const page = `${resourcePath(resource.id)}/${flagPagePath(flag.id)}`;
        const anonymous = evaluateFlag(flag, undefined);
        return dashboard.page(
          `${flag.key} · ${resource.name}`,
          html`<h1>${flag.name || flag.key}</h1>
            <p class="sub">Acme Flags · Flag <code>${flag.key}</code> of ${resource.name}</p>
            <section>
              <h2>What it serves</h2>
              <table>
                <tr><th>State</th><td>${flag.archived ? "Archived" : flag.enabled ? "On" : "Off"}</td></tr>
                <tr><th>Value</th><td><code>${json(flag.value)}</code></td></tr>
                <tr><th>Rollout</th><td>${flag.rollout}% of entities</td></tr>
                <tr><th>Everyone else</th><td><code>${json(flag.defaultValue)}</code></td></tr>
                <tr><th>Without an entity</th><td><code>${json(anonymous.value)}</code></td></tr>
                <tr><th>Kind</th><td>${flag.kind}</td></tr>
                ${flag.description ? html`<tr><th>Description</th><td>${flag.description}</td></tr>` : ""}
                <tr><th>Updated</th><td>${flag.updatedAt.toISOString()}</td></tr>
              </table>
            </section>
            ${
              dashboard.canWrite
                ? html`<section>
                    <form method="post" action="${page}/toggle" class="inline">
                      ${dashboard.csrfField}
                      <input type="hidden" name="enabled" value="${flag.enabled ? "false" : "true"}" />
                      <button type="submit" class="primary">${flag.enabled ? "Turn off" : "Turn on"}</button>
                    </form>
                  </section>`
                : html`<p class="muted">Your Vercel role lets you read this flag, not change it.</p>`
            }
            <p><a href="${resourcePath(resource.id)}/flags">← Flags</a></p>`,
        );
      });

      pages.post("/resources/:id/flags/:flagId/toggle", async (c) => {
        const dashboard = c.get("dashboard");
        const { resource, flag } = await flagOf(
          dashboard,
          c.req.param("id"),
          c.req.param("flagId"),
        );
        if (!flag) return noSuchFlag(dashboard, resource.id);
        const form = ToggleForm.safeParse(await c.req.parseBody().catch(() => ({})));
        if (!form.success) {
          return dashboard.page(
            "Flag not changed",
            html`<h1>Flag not changed</h1><section><p>The form did not say whether to turn the flag on or off.</p>
              <p><a href="${resourcePath(resource.id)}/${flagPagePath(flag.id)}">← ${flag.key}</a></p></section>`,
            400,
          );
        }
        const enabled = form.data.enabled === "true";
        const ctx = await tools.contextFor(dashboard.installation.id, dashboard.log);
        await changes.save(ctx, resource.id, flag.key, { enabled });
        dashboard.log.info({ resourceId: resource.id, flagId: flag.id, enabled }, "flag toggled");
        return c.redirect(`${resourcePath(resource.id)}/${flagPagePath(flag.id)}`, 303);
      });

      return pages;
    },
  };
}
