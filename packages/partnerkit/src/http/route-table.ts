import type { RouteOptions } from "./route-deps.ts";
import type { Route } from "./route-spec.ts";
import { billingRoutes } from "./routes/billing.ts";
import { installationRoutes } from "./routes/installations.ts";
import { planRoutes } from "./routes/plans.ts";
import { resourceOperationRoutes } from "./routes/resource-operations.ts";
import { resourceRoutes } from "./routes/resources.ts";
import { transferRoutes } from "./routes/transfers.ts";

/** The endpoints Vercel calls on the integration's Base URL (spec §4), in the spec's order. */
export const partnerApiRoutes: readonly Route<RouteOptions>[] = [
  ...installationRoutes,
  ...resourceRoutes,
  ...resourceOperationRoutes,
  ...planRoutes,
  ...billingRoutes,
  ...transferRoutes,
];
