import { Hono } from "hono";
import { jwtVerify } from "jose";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import type { Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import type { MarketplaceIssuer } from "../../packages/partnerkit/src/emulator/issuer.ts";

/**
 * A partner server Vercel would work with, written the way many are: it answers 201 to a provision,
 * refuses bad tokens and signatures with plain text, ignores Idempotency-Key, accepts any
 * metadata, refuses REPL writes in-band and implements the older transfer routes.
 */
type LenientEnv = { Variables: { claims: Record<string, unknown> } };

export function lenientPartner(issuer: MarketplaceIssuer, webhookSecret: string): Hono<LenientEnv> {
  const resources = new Map<string, Record<string, unknown>>();
  const app = new Hono<LenientEnv>();
  const refuse = () => new Response("Forbidden", { status: 403 });

  app.use("/v1/*", async (c, next) => {
    const token = c.req.header("authorization")?.replace(/^Bearer /, "") ?? "";
    try {
      const { payload } = await jwtVerify(token, issuer.localKeySet(), {
        issuer: issuer.issuer,
        audience: issuer.options.audience,
        algorithms: ["RS256"],
      });
      const [, , collection, installationId] = c.req.path.split("/");
      if (collection === "installations" && payload.installation_id !== installationId)
        return refuse();
      c.set("claims", payload);
    } catch {
      return refuse();
    }
    await next();
  });
  const isUser = (claims: Record<string, unknown>) => typeof claims.user_id === "string";
  const isAdmin = (claims: Record<string, unknown>) =>
    isUser(claims) && claims.user_role === "ADMIN";

  app.put("/v1/installations/:id", (c) => (isUser(c.get("claims")) ? c.body(null, 204) : refuse()));
  app.delete("/v1/installations/:id", (c) => c.body(null, 204));
  app.get("/v1/products/:slug/plans", (c) =>
    c.json({ plans: [{ id: "free", type: "subscription", name: "Free", description: "Free" }] }),
  );
  app.post("/v1/installations/:id/resources", async (c) => {
    if (!isAdmin(c.get("claims"))) return refuse();
    const body = await c.req.json().catch(() => undefined);
    if (!body) return c.json({ error: { code: "bad_request", message: "Not JSON" } }, 400);
    const resource = {
      id: `res_${resources.size + 1}`,
      productId: body.productId,
      name: body.name,
      metadata: body.metadata,
      status: "ready",
    };
    resources.set(resource.id, resource);
    return c.json({ ...resource, secrets: [{ name: "DB_URL", value: "db://x" }] }, 201);
  });
  app.get("/v1/installations/:id/resources/:rid", (c) => {
    const resource = resources.get(c.req.param("rid"));
    return resource
      ? c.json(resource)
      : c.json({ error: { code: "not_found", message: "No such resource" } }, 404);
  });
  app.delete("/v1/installations/:id/resources/:rid", (c) => c.body(null, 204));
  app.post("/v1/installations/:id/resources/:rid/repl", async (c) => {
    if (!isUser(c.get("claims"))) return refuse();
    const { input, readOnly } = await c.req.json();
    const text = readOnly && String(input).startsWith("set") ? "no permission: read-only" : "ok";
    return c.json([{ type: "paragraph", children: [{ type: "text", text }] }]);
  });
  app.put("/v1/installations/:id/resource-transfer-requests/:claim", (c) => c.json({}));
  app.post("/v1/installations/:id/resource-transfer-requests/:claim/verify", (c) =>
    c.json({ valid: true }),
  );
  app.post("/webhooks", async (c) =>
    c.req.header("x-vercel-signature") === signWebhookPayload(await c.req.text(), webhookSecret)
      ? c.body(null, 200)
      : c.text("bad signature", 400),
  );
  return app;
}

/**
 * The lenient partner with a deployment check done wrong: on each `deployment.checkrun.start` it
 * reports the run `running`, then concludes it twice (as a partner without a durable run record
 * does when its handler is retried), through the emulated Vercel API with the installation's token.
 */
export function doubleConcludingPartner(emulator: Emulator, webhookSecret: string): Hono {
  const app = new Hono();
  app.post("/webhooks", async (c, next) => {
    const body = await c.req.text();
    const { type, payload } = JSON.parse(body) as {
      type: string;
      payload: { installationId: string; checkRun: { id: string; deploymentId: string } };
    };
    if (type !== "deployment.checkrun.start") return next();
    if (c.req.header("x-vercel-signature") !== signWebhookPayload(body, webhookSecret))
      return c.text("bad signature", 400);
    const token = emulator.state.installations.get(payload.installationId)?.accessToken;
    const { id, deploymentId } = payload.checkRun;
    for (const update of [
      { status: "running" },
      { status: "completed", conclusion: "succeeded" },
      { status: "completed", conclusion: "succeeded" },
    ]) {
      await emulator.fetch(
        new Request(`${emulator.issuer.issuer}/v2/deployments/${deploymentId}/check-runs/${id}`, {
          method: "PATCH",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(update),
        }),
      );
    }
    return c.body(null, 200);
  });
  app.route("/", lenientPartner(emulator.issuer, webhookSecret));
  return app;
}

/**
 * The lenient partner as a careless flags provider: 50 ms after each Provision Resource, Edge
 * Config or not, it pushes its flags configuration and posts an item dated in epoch seconds, once,
 * without looking at the answers; Update Resource is answered and never brings a push.
 */
export function carelessFlagsPartner(emulator: Emulator, webhookSecret: string): Hono {
  const resources = new Map<string, unknown>();
  const app = new Hono();
  const callVercel = (installationId: string, path: string, method: string, body: unknown) => {
    const token = emulator.state.installations.get(installationId)?.accessToken;
    return emulator.fetch(
      new Request(`${emulator.issuer.issuer}/v1/installations/${installationId}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
  };
  app.post("/v1/installations/:id/resources", async (c, next) => {
    await next();
    if (c.res.status >= 300) return;
    const { secrets: _secrets, ...resource } = (await c.res.clone().json()) as {
      id: string;
      secrets?: unknown;
    };
    resources.set(resource.id, resource);
    const base = `/resources/${resource.id}/experimentation`;
    setTimeout(() => {
      void callVercel(c.req.param("id"), `${base}/global-config`, "PUT", {
        data: { "new-checkout": { enabled: true } },
      });
      void callVercel(c.req.param("id"), `${base}/items`, "POST", {
        items: [
          {
            id: "flag_1",
            slug: "new-checkout",
            origin: "https://flags.test/f/1",
            createdAt: 1765000000,
          },
        ],
      });
    }, 50);
  });
  app.patch("/v1/installations/:id/resources/:rid", (c) => {
    const resource = resources.get(c.req.param("rid"));
    return resource
      ? c.json(resource)
      : c.json({ error: { code: "not_found", message: "No such resource" } }, 404);
  });
  app.route("/", lenientPartner(emulator.issuer, webhookSecret));
  return app;
}
