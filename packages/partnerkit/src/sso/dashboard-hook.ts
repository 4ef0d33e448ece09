import type { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import type { HookContext } from "../core/define-integration.ts";
import type { InstallationRecord, ResourceRecord } from "../store/records.ts";
import type { VercelClient } from "../vercel/vercel-client.ts";
import type { Html } from "./page-layout.ts";
import type { DashboardSession } from "./session.ts";

/**
 * What a dashboard request knows, as `c.get("dashboard")`: the signed-in user and their
 * installation, Vercel's API as that installation, and helpers that keep pages scoped and safe.
 */
export interface DashboardContext {
  session: DashboardSession;
  installation: InstallationRecord;
  /** Vercel's API, authenticated as the session's installation. */
  vercel: VercelClient;
  log: Logger;
  /**
   * Whether the user may change things (Vercel role `ADMIN`). Writes by a `USER` are refused with
   * 403 before your handler runs; use this to leave their forms out of the page.
   */
  canWrite: boolean;
  /** The session's CSRF token; `csrfField` is the hidden input every write form must carry. */
  csrfToken: string;
  csrfField: Html;
  /** The installation's live resources. */
  resources(): Promise<ResourceRecord[]>;
  /**
   * One live resource of the session's installation; any other id (another installation's, a
   * deleted one, one that never existed) ends the request with the same 403 page.
   */
  resource(id: string): Promise<ResourceRecord>;
  /** Answers `body` inside the dashboard's layout (header, navigation, sign-out). */
  page(title: string, body: Html, status?: ContentfulStatusCode): Promise<Response>;
}

/** Hono variables of a provider's dashboard routes. */
export interface DashboardEnv {
  Variables: { dashboard: DashboardContext };
}

/** What `dashboard.routes` receives once, when the server starts. */
export interface DashboardTools {
  /** Records usage of a resource, as `ctx.meter` does in a hook. */
  meter(resourceId: string, meter: string, value: number): Promise<void>;
  /** A hook context of an installation, for `ctx.sync` when a page changes something. */
  contextFor(installationId: string, log: Logger): Promise<HookContext>;
  log: Logger;
}

/** A link the default resource page shows, to one of the provider's pages about that resource. */
export interface ResourceLink {
  label: string;
  /** Under the resource's page: `"keys"` links `/dashboard/resources/<id>/keys`. */
  path: string;
  /** Shown on this product's resources only; on every resource when absent. */
  productId?: string;
}

/** Where an experimentation item is shown: a page under its resource's page. */
export interface ItemPage {
  resourceId: string;
  /** Under the resource's page, like a `ResourceLink`'s. */
  path: string;
}

/**
 * The provider's own dashboard pages (`defineIntegration({ dashboard })`), served under
 * `/dashboard` behind the SSO session. Paths are relative to `/dashboard`; a route that matches
 * one of the default pages replaces it (yours are tried first).
 */
export interface DashboardDefinition {
  routes(tools: DashboardTools): Hono<DashboardEnv>;
  /** Links to add to each resource's default page. */
  resourceLinks?: ResourceLink[];
  /**
   * The page of a flag or experiment by its item id, where an SSO sign-in with
   * `experimentation_item_id` lands (when the item's resource is the installation's).
   */
  itemPage?(itemId: string): Promise<ItemPage | undefined>;
}

/** Whether a session may change anything: Vercel's `ADMIN`; `USER` (Billing/Viewer) only sees. */
export const canWrite = (session: Pick<DashboardSession, "role">) => session.role === "ADMIN";
