import type { Handler, Hono, MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.ts";
import type { Route, RouteMeta } from "./route-spec.ts";

/** The middleware a route's declaration asks for (auth, idempotency), in the order they run. */
export type GuardsFor = (route: RouteMeta) => MiddlewareHandler<AppEnv>[];

export function registerRoutes<Deps>(
  app: Hono<AppEnv>,
  routes: readonly Route<Deps>[],
  deps: Deps,
  guards: GuardsFor = () => [],
): void {
  for (const route of routes) {
    const handlers: Handler<AppEnv>[] = [...guards(route), (c) => route.run(c, deps)];
    app.on(route.method.toUpperCase(), [route.path], ...handlers);
  }
}
