import { randomBytes } from "node:crypto";
import type { Context } from "hono";
import { Hono } from "hono";
import { type CheckRunConclusion, VercelCheckRunUpdate } from "../../../protocol/check-webhooks.ts";
import { authorize } from "../auth.ts";
import type { VercelApiDeps, VercelApiEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import type { VercelApiState } from "../store.ts";
import { readVercelBody } from "../unknown-fields.ts";

/** A v2 check run as Vercel keeps it (spec §5.17, `@vercel/sdk` GetDeploymentCheckRun). */
export interface EmulatedCheckRun {
  id: string;
  checkId: string;
  name: string;
  deploymentId: string;
  installationId: string;
  resourceId: string;
  blocking: boolean;
  status: "queued" | "running" | "completed";
  conclusion?: CheckRunConclusion;
  conclusionText?: string;
  externalUrl?: string;
  output?: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  completedAt?: number;
  /** Every accepted update, in order; `repeat` marks an identical `completed` sent again. */
  updates: (VercelCheckRunUpdate & { repeat?: boolean })[];
}

/** Check runs of the fake, by id; `onUpdate` hears each accepted update (the deployment may settle). */
export class CheckRunBook {
  readonly runs = new Map<string, EmulatedCheckRun>();
  private readonly listeners: ((run: EmulatedCheckRun) => void)[] = [];

  create(
    input: Pick<EmulatedCheckRun, "deploymentId" | "installationId" | "resourceId" | "name"> & {
      checkId?: string;
      blocking?: boolean;
    },
  ): EmulatedCheckRun {
    const now = Date.now();
    const run: EmulatedCheckRun = {
      id: `chkrun_${randomBytes(8).toString("hex")}`,
      checkId: input.checkId ?? `check_${randomBytes(8).toString("hex")}`,
      name: input.name,
      deploymentId: input.deploymentId,
      installationId: input.installationId,
      resourceId: input.resourceId,
      blocking: input.blocking ?? false,
      status: "queued",
      createdAt: now,
      updatedAt: now,
      updates: [],
    };
    this.runs.set(run.id, run);
    return run;
  }

  ofDeployment(deploymentId: string): EmulatedCheckRun[] {
    return [...this.runs.values()].filter((run) => run.deploymentId === deploymentId);
  }

  onUpdate(listener: (run: EmulatedCheckRun) => void): void {
    this.listeners.push(listener);
  }

  /** Vercel's side of a cancel: the run is closed and takes only a `canceled` report after it. */
  cancel(id: string): void {
    const run = this.runs.get(id);
    if (!run || run.status === "completed") return;
    Object.assign(run, { status: "completed", conclusion: "canceled", updatedAt: Date.now() });
  }

  update(run: EmulatedCheckRun, body: VercelCheckRunUpdate): void {
    const completes = body.status === "completed";
    if (completes && !body.conclusion) {
      throw ApiError.badRequest("A completed check run needs a `conclusion`");
    }
    if (body.conclusion && !completes) {
      throw ApiError.badRequest("A `conclusion` comes with `status: completed`");
    }
    if (run.status === "completed" && completes) {
      // The same verdict sent again (a retry) is harmless; another one is refused.
      if (body.conclusion !== run.conclusion) {
        throw ApiError.conflict(`The check run already concluded ${run.conclusion}`);
      }
      run.updates.push({ ...body, repeat: true });
      return;
    }
    // `running` after `completed` reopens the run: a rerequest (UNCONFIRMED, spec §14).
    if (body.status === "running") {
      run.conclusion = undefined;
      run.completedAt = undefined;
    }
    run.status = body.status ?? run.status;
    if (body.conclusion) run.conclusion = body.conclusion;
    if (body.conclusionText !== undefined) run.conclusionText = body.conclusionText;
    if (body.externalUrl !== undefined) run.externalUrl = body.externalUrl;
    if (body.output !== undefined) run.output = body.output;
    if (completes) run.completedAt = body.completedAt ?? Date.now();
    run.updatedAt = Date.now();
    run.updates.push(body);
    for (const listener of this.listeners) listener(run);
  }
}

/**
 * The payload of `deployment.checkrun.start|cancel` for a run, in the shape of Vercel's reference
 * integration (spec §6.4; UNCONFIRMED, §14) plus the run's `name`.
 */
export function checkRunWebhookPayload(run: EmulatedCheckRun) {
  return {
    installationId: run.installationId,
    configuration: { id: run.installationId },
    deployment: { id: run.deploymentId },
    checkRun: {
      id: run.id,
      checkId: run.checkId,
      name: run.name,
      deploymentId: run.deploymentId,
      source: {
        kind: "integration",
        integrationConfigurationId: run.installationId,
        externalResourceId: run.resourceId,
      },
      timeout: 300,
    },
  };
}

const books = new WeakMap<VercelApiState, CheckRunBook>();

/** The check runs of one fake Vercel API (one per `VercelApiState`). */
export function checkRunsOf(store: VercelApiState): CheckRunBook {
  let book = books.get(store);
  if (!book) {
    book = new CheckRunBook();
    books.set(store, book);
  }
  return book;
}

// `@vercel/sdk` and the REST reference say `check-runs`; some pages of Vercel's docs index say
// `checkruns`. The fake answers both (tolerant reading); partners are sent to `check-runs`.
const RUN_PATHS = [
  "/v2/deployments/:deploymentId/check-runs/:runId",
  "/v2/deployments/:deploymentId/checkruns/:runId",
];

/** Get and Update Deployment Check Run (spec §5.17), answering 200 with the run as the SDK models it. */
export function checkRoutes({ state, store }: VercelApiDeps) {
  const routes = new Hono<VercelApiEnv>();
  const book = checkRunsOf(store);

  const findRun = (c: Context<VercelApiEnv>) => {
    const installation = authorize(c, state, undefined, "live");
    const run = book.runs.get(c.req.param("runId") ?? "");
    if (
      !run ||
      run.deploymentId !== c.req.param("deploymentId") ||
      run.installationId !== installation.id
    ) {
      throw ApiError.notFound(`No check run ${c.req.param("runId")} on this deployment`);
    }
    return run;
  };

  for (const path of RUN_PATHS) {
    routes.get(path, (c) => c.json(describe(findRun(c)), 200));
    routes.patch(path, async (c) => {
      const run = findRun(c);
      const body = await readVercelBody(c, VercelCheckRunUpdate);
      book.update(run, body);
      return c.json(describe(run), 200);
    });
  }
  return routes;
}

function describe(run: EmulatedCheckRun) {
  return {
    id: run.id,
    name: run.name,
    checkId: run.checkId,
    ownerId: "team_emulated",
    deploymentId: run.deploymentId,
    source: {
      kind: "integration",
      integrationId: "oac_emulated",
      integrationConfigurationId: run.installationId,
      externalResourceId: run.resourceId,
    },
    status: run.status,
    ...(run.conclusion && { conclusion: run.conclusion }),
    ...(run.conclusionText && { conclusionText: run.conclusionText }),
    ...(run.externalUrl && { externalUrl: run.externalUrl }),
    ...(run.output && { output: run.output }),
    ...(run.completedAt && { completedAt: run.completedAt }),
    blocks: run.blocking ? "deployment-promotion" : "none",
    timeout: 300,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
  };
}
