import { createHash } from "node:crypto";
import { Hono } from "hono";
import type { Secret } from "../../protocol/common.ts";
import { ErrorBody } from "../../protocol/errors.ts";
import { ReplResponse } from "../../protocol/repl.ts";
import { PartnerCallError, type PartnerClient } from "../partner-client.ts";
import type { EmulatedInstallation, EmulatedResource, EmulatorState } from "../state.ts";
import { describeFailure, formList, formValues, numberField } from "./form.ts";
import { errorBox, type Html, page } from "./layout.ts";
import type { ConsoleProduct } from "./pages.ts";
import {
  type ReplOutcome,
  type RotationOutcome,
  resourceTools,
  transferPage,
} from "./resource-tools-pages.ts";

export interface ResourceToolsOptions {
  partner: PartnerClient;
  state: EmulatorState;
  products: ConsoleProduct[];
}

export interface ResourceTools {
  routes: Hono;
  /** A live resource's rotation, REPL and transfer panels, and how soon its page should reload. */
  panels(
    installation: EmulatedInstallation,
    resource: EmulatedResource,
  ): { body: Html; refreshSeconds?: number };
}

const HOUR_MS = 60 * 60_000;
const DEFAULT_CLAIM_HOURS = 24;

const REPL_HISTORY = 20;

/** An async rotation is applied once the resource's secrets differ from those it replaced. */
type RotationRecord =
  | Extract<RotationOutcome, { sync: true }>
  | { at: string; delayHours?: number; sync: false; before: string };

const fingerprint = (secrets: Secret[]) =>
  createHash("sha256").update(JSON.stringify(secrets)).digest("hex");

/**
 * The console's tools on a resource: Request Secrets Rotation (§4.10), the REPL (§4.11) and
 * resource transfers (§4.16), each driven through the partner client. Forms post, then redirect
 * back to the page that shows the outcome, so a reload never runs a command twice.
 */
export function resourceToolsRoutes({
  partner,
  state,
  products,
}: ResourceToolsOptions): ResourceTools {
  const rotations = new Map<string, RotationRecord>();
  const repls = new Map<string, ReplOutcome[]>();
  const remember = (resourceId: string, outcome: ReplOutcome) =>
    repls.set(resourceId, [outcome, ...(repls.get(resourceId) ?? [])].slice(0, REPL_HISTORY));
  const commandsOf = (resource: EmulatedResource) =>
    products.find((product) => product.id === resource.productId)?.replCommands;
  const routes = new Hono();

  const liveResource = (installationId: string, resourceId: string) => {
    const installation = state.installations.get(installationId);
    const resource = state.resources.get(resourceId);
    if (installation?.status !== "installed") return undefined;
    if (!resource || resource.deleted || resource.installationId !== installation.id)
      return undefined;
    return resource;
  };
  const resourcePath = (resource: EmulatedResource) =>
    `/installations/${resource.installationId}/resources/${resource.id}`;

  routes.post("/installations/:id/resources/:rid/rotate", async (c) => {
    const resource = liveResource(c.req.param("id"), c.req.param("rid"));
    if (!resource) return page(c, "Not found", errorBox("No such live resource"), 404);
    const form = await formValues(c);
    const delay = numberField(form.delayOldSecretsExpirationHours);
    if (Number.isNaN(delay)) {
      return page(c, "Not rotated", errorBox("The grace period must be a number of hours"), 400);
    }
    const reason = form.reason?.trim();
    const before = fingerprint(resource.secrets);
    try {
      const result = await partner.rotateSecrets(resource.installationId, resource.id, {
        ...(reason && { reason }),
        ...(delay !== undefined && { delayOldSecretsExpirationHours: delay }),
      });
      const at = new Date().toISOString();
      rotations.set(
        resource.id,
        result.sync
          ? {
              at,
              delayHours: delay,
              sync: true,
              rotated: result.secrets.map((secret) => secret.name),
              partial: result.partial ?? false,
            }
          : { at, delayHours: delay, sync: false, before },
      );
      return c.redirect(`${resourcePath(resource)}#rotate`, 303);
    } catch (error) {
      return page(c, "Rotation failed", describeFailure(error), 400);
    }
  });

  routes.post("/installations/:id/resources/:rid/repl", async (c) => {
    const resource = liveResource(c.req.param("id"), c.req.param("rid"));
    if (!resource) return page(c, "Not found", errorBox("No such live resource"), 404);
    const form = await formValues(c);
    const input = form.input ?? "";
    const readOnly = form.readOnly === "true";
    const commands = commandsOf(resource);
    // `help` needs no round trip when the product definition names its commands.
    if (commands?.length && input.trim() === "help") {
      remember(resource.id, { input, readOnly, status: 200, blocks: [], commands });
      return c.redirect(`${resourcePath(resource)}#repl`, 303);
    }
    try {
      const blocks = await partner.repl(resource.installationId, resource.id, input, { readOnly });
      remember(resource.id, { input, readOnly, status: 200, blocks });
    } catch (error) {
      if (!(error instanceof PartnerCallError)) {
        return page(c, "REPL failed", describeFailure(error), 400);
      }
      remember(resource.id, { input, readOnly, ...refusal(error) });
    }
    return c.redirect(`${resourcePath(resource)}#repl`, 303);
  });

  routes.post("/installations/:id/transfers", async (c) => {
    const installation = state.installations.get(c.req.param("id"));
    if (installation?.status !== "installed") {
      return page(c, "Not found", errorBox("No such live installation"), 404);
    }
    const body = await c.req.parseBody({ all: true });
    const hours = numberField(String(body.expiresInHours ?? "")) ?? DEFAULT_CLAIM_HOURS;
    if (Number.isNaN(hours)) {
      return page(
        c,
        "No transfer",
        errorBox("The claim's lifetime must be a number of hours"),
        400,
      );
    }
    try {
      const claimId = await partner.createTransfer(
        installation.id,
        formList(body, "resourceIds"),
        Date.now() + hours * HOUR_MS,
      );
      return c.redirect(`/transfers/${claimId}`, 303);
    } catch (error) {
      return page(c, "No transfer", describeFailure(error), 400);
    }
  });

  routes.get("/transfers/:claimId", (c) => {
    const transfer = state.transfers.get(c.req.param("claimId"));
    if (!transfer) return page(c, "Not found", errorBox("No such transfer"), 404);
    const targets = [...state.installations.values()].filter(
      (installation) =>
        installation.status === "installed" && installation.id !== transfer.sourceInstallationId,
    );
    return page(
      c,
      `Transfer ${transfer.id}`,
      transferPage({
        transfer,
        resources: transfer.resourceIds.map((id) => state.resources.get(id)),
        targets,
        target: c.req.query("target"),
      }),
    );
  });

  routes.post("/transfers/:claimId/:step{verify|accept}", async (c) => {
    const transfer = state.transfers.get(c.req.param("claimId"));
    if (!transfer) return page(c, "Not found", errorBox("No such transfer"), 404);
    const form = await formValues(c);
    try {
      // Claiming into a team that has no installation yet means installing there first.
      const target =
        !form.target || form.target === "new" ? (await partner.install()).id : form.target;
      if (c.req.param("step") === "verify") await partner.verifyTransfer(target, transfer.id);
      else await partner.acceptTransfer(target, transfer.id);
      return c.redirect(`/transfers/${transfer.id}?${new URLSearchParams({ target })}`, 303);
    } catch (error) {
      return page(c, "Transfer step failed", describeFailure(error), 400);
    }
  });

  return {
    routes,
    panels(installation, resource) {
      const record = rotations.get(resource.id);
      const rotation: RotationOutcome | undefined =
        record && !record.sync
          ? {
              at: record.at,
              delayHours: record.delayHours,
              sync: false,
              applied: fingerprint(resource.secrets) !== record.before,
            }
          : record;
      const body = resourceTools({
        installation,
        resource,
        resources: state.resourcesOf(installation.id),
        repl: products.some((product) => product.id === resource.productId && product.repl),
        rotation,
        replCommands: commandsOf(resource),
        replHistory: repls.get(resource.id) ?? [],
        transfers: [...state.transfers.values()].filter((transfer) =>
          transfer.resourceIds.includes(resource.id),
        ),
      });
      // Watching an async rotation complete needs no script: the page reloads until it does.
      return {
        body,
        refreshSeconds: rotation && !rotation.sync && !rotation.applied ? 2 : undefined,
      };
    },
  };
}

/** A REPL refusal as the user should read it: the partner's blocks, else its error message. */
function refusal(error: PartnerCallError): Pick<ReplOutcome, "status" | "blocks" | "message"> {
  const { status, body } = error.answer;
  // The reference example answers user-visible command errors with a 400 of blocks [EX].
  const blocks = ReplResponse.safeParse(body);
  if (status !== 200 && blocks.success) return { status, blocks: blocks.data };
  const problem = ErrorBody.safeParse(body);
  const message = problem.success
    ? (problem.data.error.user?.message ?? problem.data.error.message)
    : error.message;
  return { status, blocks: [], message };
}
