import type { Context } from "hono";
import { type EmulatedInstallation, type EmulatorState, holdsToken } from "../state.ts";
import type { VercelApiEnv } from "./context.ts";
import { ApiError } from "./errors.ts";

/**
 * `live`: the installation must be installed. `billing`: also while it is being uninstalled, when
 * the partner still sends its last invoices and then finalizes (spec §5.13, §5.15).
 */
export type Access = "live" | "billing";

/**
 * Resolves `Authorization: Bearer <installation access token>` to its installation:
 * 401 without a token or with an unknown one, 403 when the token belongs to another
 * installation than the path's, 410 once the installation is finalized (or, for `live` calls,
 * uninstalled). Spec §5 lists 410 on every marketplace endpoint and only says "presumably
 * installation gone"; answering it for a finalized installation, rather than 401, tells the
 * partner to stop calling instead of to fix its credentials (UNCONFIRMED).
 */
export function authorize(
  c: Context<VercelApiEnv>,
  state: EmulatorState,
  pathInstallationId: string | undefined,
  access: Access,
): EmulatedInstallation {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  const token = match?.[1];
  if (!token) throw new ApiError(401, "unauthorized", "Missing bearer token");
  const installation = state.installationByToken(token) ?? anyInstallationWithToken(state, token);
  if (!installation) throw new ApiError(401, "unauthorized", "Invalid installation access token");
  if (pathInstallationId !== undefined && installation.id !== pathInstallationId) {
    throw new ApiError(403, "forbidden", "The token does not belong to this installation");
  }
  c.set("installationId", installation.id);
  if (installation.finalized) {
    throw new ApiError(410, "installation_finalized", "The installation has been finalized");
  }
  if (installation.status !== "installed" && access === "live") {
    throw new ApiError(410, "installation_uninstalled", "The installation has been uninstalled");
  }
  return installation;
}

/** `installationByToken` only sees live installations; a removed one must answer 410, not 401. */
function anyInstallationWithToken(state: EmulatorState, token: string) {
  for (const installation of state.installations.values()) {
    if (holdsToken(installation, token)) return installation;
  }
  return undefined;
}
