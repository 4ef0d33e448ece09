import { Hono } from "hono";
import { z } from "zod";
import { maskSecrets } from "../mask.ts";
import type { CallRecorder } from "../recorder.ts";
import type { FaultPlan } from "./faults.ts";
import type { VercelApiState } from "./store.ts";

/** A fault rule as JSON: `path` is a substring of the URL path (see `FaultRule`). */
const FaultRuleJson = z.strictObject({
  method: z.string().optional(),
  path: z.string().optional(),
  installationId: z.string().optional(),
  status: z.number().int().min(200).max(599).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  body: z.unknown().optional(),
  delayMs: z.number().int().min(0).max(60_000).optional(),
  times: z.number().int().min(1).optional(),
  /** Only calls on a resource Vercel set up less than this many ms ago (`provisioningNotFinished`). */
  withinMsOfProvisioning: z.number().int().min(1).max(600_000).optional(),
});

/**
 * What the fake has seen and what it will do: the calls partners made, what Vercel kept of them
 * (secrets masked), and the fault plan, which a scenario can program over HTTP.
 */
export function inspectorRoutes(deps: {
  store: VercelApiState;
  recorder: CallRecorder;
  faults: FaultPlan;
}) {
  const { store, recorder, faults } = deps;
  const routes = new Hono();

  routes.get("/__emulator/vercel-api/calls", (c) =>
    c.json({
      calls: recorder.list({
        direction: "partner→vercel",
        installationId: c.req.query("installationId"),
      }),
    }),
  );

  routes.get("/__emulator/vercel-api/state", (c) => {
    const only = c.req.query("installationId");
    const mine = <T>(entries: Iterable<[string, T]>) =>
      Object.fromEntries([...entries].filter(([id]) => !only || id === only));
    return c.json(
      maskSecrets({
        installations: mine(store.installationDetails),
        events: mine(store.events),
        billing: mine(store.billing),
        balances: mine(store.balances),
        invoices: [...store.invoices.values()].filter(
          (stored) => !only || stored.installationId === only,
        ),
        deploymentActions: store.listActions(only),
        deployments: [...store.deployments.values()],
      }) as Record<string, unknown>,
    );
  });

  routes.get("/__emulator/faults", (c) => c.json({ faults: faults.pending() }));

  routes.post("/__emulator/faults", async (c) => {
    const parsed = FaultRuleJson.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      return c.json(
        { error: { code: "bad_request", message: z.prettifyError(parsed.error) } },
        400,
      );
    }
    faults.add(parsed.data);
    return c.json({ faults: faults.pending() }, 201);
  });

  routes.delete("/__emulator/faults", (c) => {
    faults.clear();
    return c.body(null, 204);
  });

  return routes;
}
