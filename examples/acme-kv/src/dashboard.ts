import { Hono } from "hono";
import { html } from "hono/html";
import type { DashboardDefinition, DashboardEnv } from "partnerkit";
import { z } from "zod";
import type { KvStore } from "./kv-store.ts";

/** Keys per page of the key browser. */
export const KEYS_PER_PAGE = 25;

const Listing = z.object({
  prefix: z.string().max(200).catch(""),
  after: z.string().max(1024).catch(""),
});
const KeyForm = z.object({ key: z.string().min(1).max(1024) });
const SetForm = KeyForm.extend({ value: z.string().max(100_000) });

/**
 * Acme KV's pages in the provider dashboard: a key browser on a store's data. Everyone signed in
 * can list, filter and read keys; only ADMINs see the forms that set and delete them (and the
 * framework refuses such writes from anyone else before these handlers run).
 */
export function acmeKvDashboard(kv: KvStore): DashboardDefinition {
  return {
    resourceLinks: [{ label: "Keys", path: "keys" }],
    routes: () => {
      const pages = new Hono<DashboardEnv>();
      const keysPath = (resourceId: string) =>
        `/dashboard/resources/${encodeURIComponent(resourceId)}/keys`;

      pages.get("/resources/:id/keys", async (c) => {
        const dashboard = c.get("dashboard");
        const resource = await dashboard.resource(c.req.param("id"));
        const { prefix, after } = Listing.parse(c.req.query());
        const matching = (await kv.keys(resource.id)).filter((key) => key.startsWith(prefix));
        const rest = matching.filter((key) => key > after);
        const shown = rest.slice(0, KEYS_PER_PAGE);
        const last = shown.at(-1);
        const next = rest.length > KEYS_PER_PAGE && last !== undefined ? last : undefined;
        const base = keysPath(resource.id);
        const query = (values: Record<string, string>) =>
          new URLSearchParams(
            Object.entries(values).filter(([, value]) => value !== ""),
          ).toString();
        return dashboard.page(
          `${resource.name} · Keys`,
          html`<h1>${resource.name}</h1>
            <p class="sub">Acme KV · Keys</p>
            <nav class="tabs">
              <a href="/dashboard/resources/${encodeURIComponent(resource.id)}">Details</a>
              <a class="current" aria-current="page" href="${base}">Keys</a>
              <a href="/dashboard/resources/${encodeURIComponent(resource.id)}/secrets">Secrets</a>
            </nav>
            <section>
              <h2>Keys</h2>
              <form method="get" action="${base}" class="row">
                <label>Prefix <input name="prefix" value="${prefix}" autocomplete="off" /></label>
                <button type="submit">Filter</button>
              </form>
              ${
                shown.length === 0
                  ? html`<p class="muted">${prefix ? "No key starts with this prefix." : "This store is empty."}</p>`
                  : html`<table>
                      <tr><th>Key</th>${dashboard.canWrite ? html`<th></th>` : ""}</tr>
                      ${shown.map(
                        (key) => html`<tr>
                          <td><a href="${base}/view?${query({ key })}"><code>${key}</code></a></td>
                          ${
                            dashboard.canWrite
                              ? html`<td class="num"><form method="post" action="${base}/delete" class="inline">
                                  ${dashboard.csrfField}<input type="hidden" name="key" value="${key}" />
                                  <button type="submit" class="danger">Delete</button>
                                </form></td>`
                              : ""
                          }
                        </tr>`,
                      )}
                    </table>`
              }
              <p class="pager">
                <span class="muted">${matching.length} ${matching.length === 1 ? "key" : "keys"}${prefix ? " with this prefix" : ""}</span>
                ${after ? html`<a href="${base}?${query({ prefix })}">First page</a>` : ""}
                ${next ? html`<a href="${base}?${query({ prefix, after: next })}">Next page</a>` : ""}
              </p>
            </section>
            ${
              dashboard.canWrite
                ? html`<section>
                    <h2>Set a key</h2>
                    <form method="post" action="${base}" class="stack">
                      ${dashboard.csrfField}
                      <label>Key <input name="key" required maxlength="1024" autocomplete="off" /></label>
                      <label>Value <textarea name="value"></textarea></label>
                      <div><button type="submit" class="primary">Save</button></div>
                    </form>
                  </section>`
                : html`<p class="muted">Your Vercel role lets you read this store, not change it.</p>`
            }`,
        );
      });

      pages.get("/resources/:id/keys/view", async (c) => {
        const dashboard = c.get("dashboard");
        const resource = await dashboard.resource(c.req.param("id"));
        const key = c.req.query("key") ?? "";
        const value = key ? await kv.get(resource.id, key) : undefined;
        const base = keysPath(resource.id);
        if (value === undefined) {
          return dashboard.page(
            "No such key",
            html`<h1>No such key</h1><section><p>The store holds no key <code>${key}</code>.</p>
              <p><a href="${base}">← Keys</a></p></section>`,
            404,
          );
        }
        return dashboard.page(
          `${key} · ${resource.name}`,
          html`<h1>${resource.name}</h1>
            <p class="sub">Acme KV · Key <code>${key}</code></p>
            <section>
              <h2>Value</h2>
              <pre>${value}</pre>
            </section>
            <p><a href="${base}">← Keys</a></p>`,
        );
      });

      pages.post("/resources/:id/keys", async (c) => {
        const dashboard = c.get("dashboard");
        const resource = await dashboard.resource(c.req.param("id"));
        const form = SetForm.safeParse(await c.req.parseBody().catch(() => ({})));
        if (!form.success) {
          return dashboard.page(
            "Key not saved",
            html`<h1>Key not saved</h1><section><p>A key needs a name (up to 1024 characters) and a value of at most 100 000 characters.</p>
              <p><a href="${keysPath(resource.id)}">← Keys</a></p></section>`,
            400,
          );
        }
        await kv.set(resource.id, form.data.key, form.data.value);
        dashboard.log.info({ resourceId: resource.id }, "kv key set from the dashboard");
        return c.redirect(
          `${keysPath(resource.id)}/view?key=${encodeURIComponent(form.data.key)}`,
          303,
        );
      });

      pages.post("/resources/:id/keys/delete", async (c) => {
        const dashboard = c.get("dashboard");
        const resource = await dashboard.resource(c.req.param("id"));
        const form = KeyForm.safeParse(await c.req.parseBody().catch(() => ({})));
        if (form.success) {
          await kv.delete(resource.id, form.data.key);
          dashboard.log.info({ resourceId: resource.id }, "kv key deleted from the dashboard");
        }
        return c.redirect(keysPath(resource.id), 303);
      });

      return pages;
    },
  };
}
