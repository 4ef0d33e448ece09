import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { VercelDeployment } from "../../packages/partnerkit/src/protocol/vercel-api.ts";
import { ReportLog, type StatusReport } from "./report-log.ts";

const FINAL_ACTION_STATUSES = new Set(["succeeded", "failed"]);

export interface EmulatedVercelApi {
  url: string;
  /** Action status reports (`PATCH …/actions/:action`); final once `succeeded` or `failed`. */
  actions: ReportLog;
  /** Check run updates (`PATCH /v2/deployments/:id/check-runs/:runId`); final once `completed`. */
  checkRuns: ReportLog;
  /** Arrival times of `GET /v13/deployments/:id` for a deployment. */
  lookups(deploymentId: string): readonly number[];
  /** Billing data and balance submissions received (answered 201). */
  readonly billingReports: number;
  /** Requests to anything but the endpoints above, e.g. `GET /v1/... 404`. */
  readonly unexpected: readonly string[];
  close(): Promise<void>;
}

/** The git context every emulated deployment is built from. */
export const GIT_SOURCE: VercelDeployment["gitSource"] = {
  type: "github",
  org: "bench",
  repo: "bench-app",
  ref: "bench-branch",
  sha: "0123456789abcdef0123456789abcdef01234567",
  prId: null,
};

/**
 * A preview deployment that is building, as `GET /v13/deployments/:id` describes it: the fields
 * an action reads (`id`, `url`, `target`, `gitSource.ref`/`sha`) and those `@vercel/sdk` needs
 * to parse it as a full deployment (`VercelDeployment` in src/protocol). A preview's `target` is
 * `null`: the SDK rejects `"preview"`, and a rejected answer leaves the action without its git
 * context (see `sdk-check.ts`).
 */
export function previewDeployment(id: string): VercelDeployment {
  const createdAt = 1_767_225_600_000;
  return {
    id,
    url: `${id}.vercel.app`,
    name: "bench-app",
    projectId: "prj_bench",
    ownerId: "team_bench",
    target: null,
    readyState: "BUILDING",
    status: "BUILDING",
    type: "LAMBDAS",
    version: 2,
    public: false,
    aliasAssigned: false,
    buildSkipped: false,
    createdAt,
    buildingAt: createdAt,
    bootedAt: createdAt,
    regions: ["iad1"],
    creator: { uid: "user_bench_actions", username: "bench" },
    gitSource: GIT_SOURCE,
    meta: {},
  };
}

const DEPLOYMENT = /^\/v13\/deployments\/([^/]+)$/;
const ACTION =
  /^\/v1\/deployments\/([^/]+)\/integrations\/([^/]+)\/resources\/([^/]+)\/actions\/([^/]+)$/;
const CHECK_RUN = /^\/v2\/deployments\/([^/]+)\/check-runs\/([^/]+)$/;
/** Usage and prepaid balances: the billing schedule reports them soon after the server starts. */
const BILLING = /^\/v1\/installations\/[^/]+\/billing(\/balance)?$/;

/**
 * The Vercel endpoints deployment actions and checks need (spec §5.17), in the bench process so
 * arrival times share the clock the webhooks are timed with: `GET /v13/deployments/:id` answers
 * 200 with a preview deployment's git context, the action `PATCH` answers 202 with no body, the
 * check run `PATCH` 200 with the run. Each request is timestamped as soon as its headers have
 * arrived. The billing submissions (spec §5.12, §5.14) that the server's billing schedule sends
 * are answered 201, and counted.
 */
export async function startVercelApi(): Promise<EmulatedVercelApi> {
  const actions = new ReportLog((report) => FINAL_ACTION_STATUSES.has(report.status));
  const checkRuns = new ReportLog((report) => report.status === "completed");
  const lookups = new Map<string, number[]>();
  const unexpected: string[] = [];
  let billingReports = 0;

  /** Reads a status report's body and files it under its deployment in `log`. */
  const onPatch = async (
    request: IncomingMessage,
    deploymentId: string,
    log: ReportLog,
    at: number,
  ) => {
    const body = JSON.parse((await readBody(request)) || "{}") as {
      status?: unknown;
      conclusion?: unknown;
    };
    const report: StatusReport = {
      deploymentId: decodeURIComponent(deploymentId),
      status: typeof body.status === "string" ? body.status : "(none)",
      ...(typeof body.conclusion === "string" && { conclusion: body.conclusion }),
      at,
      authorization: request.headers.authorization,
    };
    log.add(report);
    return report;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const at = performance.now();
    const path = new URL(request.url ?? "/", "http://vercel.test").pathname;
    const deployment = request.method === "GET" ? DEPLOYMENT.exec(path) : null;
    if (deployment) {
      const id = decodeURIComponent(deployment[1] ?? "");
      lookups.set(id, [...(lookups.get(id) ?? []), at]);
      await readBody(request);
      return json(response, 200, previewDeployment(id));
    }
    const action = request.method === "PATCH" ? ACTION.exec(path) : null;
    if (action) {
      await onPatch(request, action[1] ?? "", actions, at);
      response.writeHead(202).end();
      return;
    }
    const checkRun = request.method === "PATCH" ? CHECK_RUN.exec(path) : null;
    if (checkRun) {
      const report = await onPatch(request, checkRun[1] ?? "", checkRuns, at);
      const id = decodeURIComponent(checkRun[2] ?? "");
      return json(response, 200, { id, deploymentId: report.deploymentId, status: report.status });
    }
    if (request.method === "POST" && BILLING.test(path)) {
      billingReports++;
      await readBody(request);
      response.writeHead(201).end();
      return;
    }
    unexpected.push(`${request.method} ${path}`);
    await readBody(request);
    return json(response, 404, { error: { code: "not_found", message: "Not emulated" } });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      unexpected.push(`${request.method} ${request.url}: ${String(error)}`);
      if (!response.headersSent) json(response, 500, { error: { code: "bench_error" } });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    actions,
    checkRuns,
    lookups: (deploymentId) => lookups.get(deploymentId) ?? [],
    unexpected,
    get billingReports() {
      return billingReports;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
