import { setTimeout as sleep } from "node:timers/promises";
import type { VercelCore } from "@vercel/sdk/core.js";
import type { RequestOptions } from "@vercel/sdk/lib/sdks.js";
import type { Logger } from "pino";
import { z } from "zod";
import { VercelCheckRunSummary, type VercelCheckRunUpdate } from "../protocol/check-webhooks.ts";
import {
  type CreateExperimentationItemsBody,
  FLAGS_CONFIG_PATHS,
  type FlagsConfigPath,
  FlagsConfigState,
  type PushFlagsConfigBody,
  type UpdateExperimentationItemBody,
} from "../protocol/experimentation.ts";
import {
  VercelAccountResponse,
  type VercelBalancesRequest,
  type VercelBillingDataRequest,
  type VercelBillingItem,
  type VercelDiscount,
  type VercelImportResourceRequest,
  VercelInvoice,
  type VercelInvoiceActionRequest,
  VercelMemberResponse,
  type VercelSubmitInvoiceRequest,
  VercelSubmitInvoiceResponse,
  type VercelUpdateInstallationRequest,
} from "../protocol/vercel-api.ts";
import { attemptSignal, type CallScope } from "./call-scope.ts";
import { nodeFetch } from "./node-fetch.ts";

type Sdk = typeof import("./sdk.ts");

let sdkModule: Promise<Sdk> | undefined;

/** The SDK, imported once, on the first call any client makes. */
function loadSdk(): Promise<Sdk> {
  sdkModule ??= import("./sdk.ts");
  return sdkModule;
}

export type Fetcher = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface VercelClientOptions {
  /** `VERCEL_API_URL` (DESIGN §3). */
  baseUrl: string;
  /** The installation's access token, or how to get it when a call is first made; it never leaves this client. */
  accessToken: string | (() => Promise<string>);
  installationId: string;
  log: Logger;
  /** Replaces the network, e.g. to reach an emulator in-process. */
  fetch?: Fetcher;
  retry?: VercelRetryOptions;
  /** How long one attempt may take, in ms (default 10 s). */
  timeoutMs?: number;
  /** The job or the Partner API request the calls are made for, which bounds them. */
  scope?: CallScope;
}

/**
 * How failed calls are retried. A call made while a Partner API request waits on it is also bounded
 * by that request's budget (see `CallScope`), whichever ends first.
 */
export interface VercelRetryOptions {
  /** First backoff interval, in ms (default 200); it doubles on each retry. */
  initialIntervalMs?: number;
  /** Longest backoff interval, in ms (default 5 s). */
  maxIntervalMs?: number;
  /** No retry starts, or waits, past this long after the first attempt, in ms (default 60 s). */
  maxElapsedMs?: number;
  /**
   * Longest `Retry-After` honoured, in ms (default 60 s). Vercel is never called again sooner than it
   * asked: a longer `Retry-After` ends the retries and the call fails.
   */
  maxRetryAfterMs?: number;
}

/**
 * What may be retried after a failure. `idempotent`: sending the call twice leaves Vercel as sending
 * it once, so timeouts, connection errors, 429 and 5xx are retried. `once`: a repeat could act twice
 * (a second refund, a second credential nobody stores), so only a 429 — refused before any work —
 * is retried.
 */
export type RetryPolicy = "idempotent" | "once";

/** A call that Vercel refused or that could not be made, after retries. */
export class VercelApiError extends Error {
  override readonly name = "VercelApiError";
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly body?: string,
  ) {
    super(message);
    // Vercel answered: a refusal is not a bug here, and a stack in every retry's log line is noise.
    if (status !== undefined) this.stack = `${this.name}: ${message}`;
  }
}

type SdkResult<T> = { ok: true; value: T } | { ok: false; error: Error };

/**
 * What an action's context reads of `GET /v13/deployments/{id}`, tolerant of everything else.
 * The SDK's own schema of the full deployment (a union of unions) cost ~3.5 ms of CPU per call,
 * mostly building the issues of the union branches that do not match.
 */
export const DeploymentContext = z.object({
  url: z.string(),
  target: z.string().nullish(),
  gitSource: z.object({ ref: z.string().nullish(), sha: z.string().nullish() }).nullish(),
});
export type DeploymentContext = z.infer<typeof DeploymentContext>;

/**
 * The name of the flags configuration endpoint that answered last in this process (see
 * `FLAGS_CONFIG_PATHS`): every client tries it first, and the other one only after a 404.
 */
let flagsConfigPath: FlagsConfigPath = FLAGS_CONFIG_PATHS[0];

const RETRIED_SERVER_STATUSES = new Set([500, 502, 503, 504]);
/** An attempt made after the request's budget is spent still gets this long. */
const MIN_ATTEMPT_MS = 1_000;

/** One attempt's outcome, whichever way it was sent. */
type Attempt<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      error: Error;
      status?: number;
      body?: string;
      retryAfterMs?: number;
      /** The call timed out or could not be sent: Vercel may or may not have acted on it. */
      unanswered: boolean;
    };

/**
 * The calls a partner makes to Vercel, for one installation: `@vercel/sdk` standalone functions on
 * a `VercelCore` holding that installation's token, with a timeout per attempt, logged without the
 * token. Each call is retried by its `RetryPolicy`, with exponential backoff or after the
 * `Retry-After` Vercel sent; the SDK's own retries are off.
 */
export class VercelClient {
  #core: VercelCore | undefined;

  constructor(private readonly options: VercelClientOptions) {}

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }

  get installationId(): string {
    return this.options.installationId;
  }

  /** Spec §5.17: report a deployment action's status (202). */
  async updateDeploymentAction(input: {
    deploymentId: string;
    resourceId: string;
    action: string;
    status: "running" | "succeeded" | "failed";
    statusText?: string;
    statusUrl?: string;
    outcomes?: { kind: string; secrets: { name: string; value: string }[] }[];
  }): Promise<void> {
    const { deploymentId, resourceId, action, ...body } = input;
    // A status report sets the action's state: sending it twice is sending it once.
    await this.call("update deployment action", "idempotent", (sdk, core, request) =>
      sdk.deploymentsUpdateIntegrationDeploymentAction(
        core,
        {
          deploymentId,
          integrationConfigurationId: this.options.installationId,
          resourceId,
          action,
          requestBody: body,
        },
        request,
      ),
    );
  }

  /**
   * `GET /v13/deployments/{id}`: git ref, sha and target for an action's context. Sent without the
   * SDK (see `DeploymentContext`), with the same token, timeout and retries.
   */
  async getDeployment(idOrUrl: string): Promise<DeploymentContext> {
    const operation = "get deployment";
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/v13/deployments/${encodeURIComponent(idOrUrl)}`;
    const token =
      typeof this.options.accessToken === "string"
        ? this.options.accessToken
        : await this.options.accessToken();
    const send = this.options.fetch ?? nodeFetch;
    const body = await this.retrying(operation, "idempotent", async (signal) => {
      let answer: Response;
      try {
        answer = await send(url, {
          headers: { accept: "application/json", authorization: `Bearer ${token}` },
          signal,
        });
      } catch (error) {
        return { ok: false, error: error as Error, unanswered: true };
      }
      this.logCall("GET", url, answer);
      const text = await answer.text();
      if (answer.status === 200) return { ok: true, value: text };
      return {
        ok: false,
        error: new Error(`status ${answer.status}`),
        status: answer.status,
        body: text,
        retryAfterMs: retryAfterMs(answer.headers),
        unanswered: false,
      };
    });
    const parsed = DeploymentContext.safeParse(parseJson(body));
    if (!parsed.success) {
      throw this.failure(operation, new Error("unexpected response body"), 200, body);
    }
    return parsed.data;
  }

  /** Spec §5.5: tell Vercel a resource changed; it then re-reads it through Get Resource. */
  async resourceUpdated(resourceId: string): Promise<void> {
    await this.call("create event", "idempotent", (sdk, core, request) =>
      sdk.marketplaceCreateEvent(
        core,
        {
          integrationConfigurationId: this.options.installationId,
          requestBody: { event: { type: "resource.updated", resourceId } },
        },
        request,
      ),
    );
  }

  /** Spec §5.11: replace (or, with `partial`, patch) a resource's secrets. */
  async updateResourceSecrets(
    resourceId: string,
    secrets: { name: string; value: string; prefix?: string }[],
    partial = false,
  ): Promise<void> {
    await this.call("update resource secrets", "idempotent", (sdk, core, request) =>
      sdk.marketplaceUpdateResourceSecretsById(
        core,
        {
          integrationConfigurationId: this.options.installationId,
          resourceId,
          requestBody: { secrets, partial },
        },
        request,
      ),
    );
  }

  /** Spec §5.12: interim usage and costs (display only); running totals for the period. */
  async submitBillingData(body: VercelBillingDataRequest): Promise<void> {
    const billing = Array.isArray(body.billing)
      ? body.billing.map(withDates)
      : {
          items: body.billing.items.map(withDates),
          discounts: body.billing.discounts?.map(withDates),
        };
    // A running-totals snapshot: for a given day the latest timestamp wins (spec §5.12).
    await this.call("submit billing data", "idempotent", (sdk, core, request) =>
      sdk.marketplaceSubmitBillingData(
        core,
        {
          integrationConfigurationId: this.options.installationId,
          requestBody: {
            ...body,
            timestamp: new Date(body.timestamp),
            eod: new Date(body.eod),
            period: periodDates(body.period),
            billing,
          },
        },
        request,
      ),
    );
  }

  /** Spec §5.14: prepaid balances as they are now. */
  async submitBalances(body: VercelBalancesRequest): Promise<void> {
    await this.call("submit prepayment balances", "idempotent", (sdk, core, request) =>
      sdk.marketplaceSubmitPrepaymentBalances(
        core,
        {
          integrationConfigurationId: this.options.installationId,
          requestBody: { timestamp: new Date(body.timestamp), balances: body.balances },
        },
        request,
      ),
    );
  }

  /** Spec §5.13: Vercel answers the same invoice again for an `externalId` it has seen. */
  async submitInvoice(body: VercelSubmitInvoiceRequest): Promise<VercelSubmitInvoiceResponse> {
    // Without an externalId a repeat could be a second invoice.
    const answer = await this.call(
      "submit invoice",
      body.externalId ? "idempotent" : "once",
      (sdk, core, request) =>
        sdk.marketplaceSubmitInvoice(
          core,
          {
            integrationConfigurationId: this.options.installationId,
            requestBody: {
              ...body,
              invoiceDate: new Date(body.invoiceDate),
              period: periodDates(body.period),
              items: body.items.map(withDates),
              discounts: body.discounts?.map(withDates),
            },
          },
          request,
        ),
    );
    return VercelSubmitInvoiceResponse.parse(answer);
  }

  async getInvoice(invoiceId: string): Promise<VercelInvoice> {
    const invoice = await this.call("get invoice", "idempotent", (sdk, core, request) =>
      sdk.marketplaceGetInvoice(
        core,
        {
          integrationConfigurationId: this.options.installationId,
          invoiceId,
        },
        request,
      ),
    );
    return VercelInvoice.parse(invoice);
  }

  /** Spec §5.13 Invoice Actions: refund up to the invoice's total. */
  async refundInvoice(invoiceId: string, body: Omit<VercelInvoiceActionRequest, "action">) {
    await this.call("refund invoice", "once", (sdk, core, request) =>
      sdk.marketplaceUpdateInvoice(
        core,
        {
          integrationConfigurationId: this.options.installationId,
          invoiceId,
          requestBody: { action: "refund", ...body },
        },
        request,
      ),
    );
  }

  /** Spec §5.15: no more invoices will follow the uninstall. */
  async finalizeInstallation(): Promise<void> {
    await this.call("finalize installation", "idempotent", (sdk, core, request) =>
      sdk.marketplaceFinalizeInstallation(
        core,
        {
          integrationConfigurationId: this.options.installationId,
        },
        request,
      ),
    );
  }

  /** One SDK call under `policy`; each attempt is sent once by the SDK, with its own timeout. */
  private call<T>(
    operation: string,
    policy: RetryPolicy,
    send: (sdk: Sdk, core: VercelCore, request: RequestOptions) => PromiseLike<SdkResult<T>>,
  ): Promise<T> {
    return this.retrying(operation, policy, async (signal) => {
      const sdk = await loadSdk();
      this.#core ??= sdk.createVercelCore({
        baseUrl: this.options.baseUrl,
        accessToken: this.options.accessToken,
        fetch: this.options.fetch,
        onResponse: (method, url, response) => this.logCall(method, url, response),
      });
      // With a signal of its own the SDK sets no timeout: the signal carries it.
      const result = await send(sdk, this.#core, { signal, retries: { strategy: "none" } });
      if (result.ok) return result;
      const error = result.error as Error & {
        statusCode?: number;
        body?: string;
        headers?: Headers;
      };
      return {
        ok: false,
        error,
        status: error.statusCode,
        body: error.body,
        retryAfterMs: error.headers instanceof Headers ? retryAfterMs(error.headers) : undefined,
        unanswered: sdk.isUnanswered(error),
      };
    });
  }

  private async retrying<T>(
    operation: string,
    policy: RetryPolicy,
    attempt: (signal: AbortSignal) => Promise<Attempt<T>>,
  ): Promise<T> {
    const retry = this.options.retry ?? {};
    const started = Date.now();
    const inbound = this.options.scope?.budget?.currentDeadline();
    const deadline = Math.min(started + (retry.maxElapsedMs ?? 60_000), inbound ?? Infinity);
    const stop = this.options.scope?.signal;
    for (let retries = 0; ; retries += 1) {
      if (stop?.aborted) throw this.failure(operation, new Error("stopped before it was sent"));
      const timeoutMs =
        inbound === undefined
          ? this.timeoutMs
          : Math.min(this.timeoutMs, Math.max(inbound - Date.now(), MIN_ATTEMPT_MS));
      const outcome = await attempt(attemptSignal(timeoutMs, stop));
      if (outcome.ok) return outcome.value;
      const wait = this.retryDelay(policy, outcome, retries);
      if (wait === undefined || Date.now() + wait >= deadline || stop?.aborted) {
        throw this.failure(operation, outcome.error, outcome.status, outcome.body);
      }
      this.options.log.debug(
        { operation, status: outcome.status, retryInMs: wait, installationId: this.installationId },
        "retrying vercel api call",
      );
      await sleep(wait, undefined, { signal: stop }).catch(() => undefined);
      if (stop?.aborted) throw this.failure(operation, outcome.error, outcome.status, outcome.body);
    }
  }

  /** How long to wait before retrying a failed attempt, or undefined when it must not be retried. */
  private retryDelay(
    policy: RetryPolicy,
    failed: Extract<Attempt<unknown>, { ok: false }>,
    retries: number,
  ): number | undefined {
    const retryable =
      failed.status === 429 ||
      (policy === "idempotent" &&
        (failed.unanswered ||
          (failed.status !== undefined && RETRIED_SERVER_STATUSES.has(failed.status))));
    if (!retryable) return undefined;
    const retry = this.options.retry ?? {};
    if (failed.retryAfterMs !== undefined) {
      return failed.retryAfterMs <= (retry.maxRetryAfterMs ?? 60_000)
        ? failed.retryAfterMs
        : undefined;
    }
    const interval = Math.min(
      (retry.initialIntervalMs ?? 200) * 2 ** retries,
      retry.maxIntervalMs ?? 5_000,
    );
    // Jitter keeps the retries of many installations from arriving together.
    return Math.round(interval * (0.5 + Math.random() / 2));
  }

  private failure(operation: string, error: Error, status?: number, body?: string): VercelApiError {
    this.options.log.warn(
      { operation, status, installationId: this.options.installationId },
      "vercel api call failed",
    );
    return new VercelApiError(`${operation} failed: ${error.message}`, status, body);
  }

  private logCall(method: string, url: string, response: Response): void {
    this.options.log.debug(
      { method, path: new URL(url).pathname, status: response.status },
      "vercel api call",
    );
  }

  // Provider→Vercel sync (spec §5.1, §5.4, §5.5, §5.8).

  /** Spec §5.1: the installation's plan, notification or status changed on your side (204). */
  async updateInstallation(
    body: Omit<VercelUpdateInstallationRequest, "notification"> & {
      notification?: NonNullable<VercelUpdateInstallationRequest["notification"]>;
    },
  ): Promise<void> {
    await this.call("update installation", "idempotent", (sdk, core, request) =>
      sdk.marketplaceUpdateInstallation(
        core,
        {
          integrationConfigurationId: this.options.installationId,
          requestBody: body,
        },
        request,
      ),
    );
  }

  /** Spec §5.5: the installation's plan changed; Vercel re-reads it through Get Installation. */
  async installationUpdated(billingPlanId?: string): Promise<void> {
    await this.call("create event", "idempotent", (sdk, core, request) =>
      sdk.marketplaceCreateEvent(
        core,
        {
          integrationConfigurationId: this.options.installationId,
          requestBody: { event: { type: "installation.updated", billingPlanId } },
        },
        request,
      ),
    );
  }

  /** Spec §5.8: create or update on Vercel's side a resource that was made on yours. */
  async importResource(resourceId: string, body: VercelImportResourceRequest): Promise<void> {
    await this.call("import resource", "idempotent", (sdk, core, request) =>
      sdk.marketplaceImportResource(
        core,
        {
          integrationConfigurationId: this.options.installationId,
          resourceId,
          requestBody: body,
        },
        request,
      ),
    );
  }

  /** Spec §5.4: a new installation token; the current one stays valid until revoked. */
  async rotateCredential(client: { id?: string; secret: string }) {
    return this.call("rotate installation credential", "once", (sdk, core, request) =>
      sdk.marketplaceRotateInstallationCredential(
        core,
        {
          integrationConfigurationId: this.options.installationId,
          requestBody: { clientSecret: client.secret, clientId: client.id },
        },
        request,
      ),
    );
  }

  /** Spec §5.4: retire `token`; call it with another live token (Vercel keeps the last one). */
  async revokeCredential(token: string, client: { id?: string; secret: string }) {
    // Names the credential to retire: a repeat cannot retire another one.
    return this.call("revoke installation credential", "idempotent", (sdk, core, request) =>
      sdk.marketplaceRevokeInstallationCredential(
        core,
        {
          integrationConfigurationId: this.options.installationId,
          requestBody: { token, clientSecret: client.secret, clientId: client.id },
        },
        request,
      ),
    );
  }

  // Deployment check runs (spec §5.17, §8). Sent without the SDK: its strict response models
  // would turn a field Vercel adds or drops into a failed call after Vercel acted on it.

  /**
   * `PATCH /v2/deployments/{deploymentId}/check-runs/{checkRunId}` (200). An update sets the run's
   * state: sending it twice is sending it once, so it is retried like any idempotent call.
   */
  async updateCheckRun(
    deploymentId: string,
    checkRunId: string,
    body: VercelCheckRunUpdate,
  ): Promise<void> {
    await this.sendJson(
      "update check run",
      "PATCH",
      `/v2/deployments/${encodeURIComponent(deploymentId)}/check-runs/${encodeURIComponent(checkRunId)}`,
      body,
    );
  }

  /** `GET /v2/deployments/{deploymentId}/check-runs/{checkRunId}`: the run's name and check. */
  async getCheckRun(deploymentId: string, checkRunId: string): Promise<VercelCheckRunSummary> {
    const text = await this.sendJson(
      "get check run",
      "GET",
      `/v2/deployments/${encodeURIComponent(deploymentId)}/check-runs/${encodeURIComponent(checkRunId)}`,
    );
    const parsed = VercelCheckRunSummary.safeParse(parseJson(text));
    if (!parsed.success) {
      throw this.failure("get check run", new Error("unexpected response body"), 200, text);
    }
    return parsed.data;
  }

  // Experimentation (spec §5.18), sent without the SDK for the reason given above check runs.
  // Every call leaves Vercel as it would leave it sent once: items are keyed by the provider's
  // ids and sent whole, the configuration is replaced whole.

  /**
   * `POST …/experimentation/items` (204). Retried like the other calls: a repeat carries the same
   * ids and bodies (UNCONFIRMED that Vercel takes a known id as an update rather than a 400).
   */
  async createExperimentationItems(
    resourceId: string,
    items: CreateExperimentationItemsBody["items"],
  ): Promise<void> {
    await this.sendJson(
      "create experimentation items",
      "POST",
      this.experimentationPath(resourceId, "items"),
      { items },
    );
  }

  /** `PATCH …/experimentation/items/{itemId}` (204): the whole item, without its id. */
  async updateExperimentationItem(
    resourceId: string,
    itemId: string,
    body: UpdateExperimentationItemBody,
  ): Promise<void> {
    await this.sendJson(
      "update experimentation item",
      "PATCH",
      this.experimentationPath(resourceId, `items/${encodeURIComponent(itemId)}`),
      body,
    );
  }

  /** `DELETE …/experimentation/items/{itemId}` (204); a 404 means it is gone already. */
  async deleteExperimentationItem(resourceId: string, itemId: string): Promise<void> {
    try {
      await this.sendJson(
        "delete experimentation item",
        "DELETE",
        this.experimentationPath(resourceId, `items/${encodeURIComponent(itemId)}`),
      );
    } catch (error) {
      if (!(error instanceof VercelApiError && error.status === 404)) throw error;
    }
  }

  /**
   * `PUT …/experimentation/global-config` (200): replaces the flags configuration in the resource's
   * Edge Config. 404 (the resource or its Edge Config not known yet), 409 and 412 are thrown.
   */
  async pushFlagsConfig(resourceId: string, data: PushFlagsConfigBody["data"]): Promise<void> {
    await this.onFlagsConfigPath(resourceId, (path) =>
      this.sendJson("push flags configuration", "PUT", path, { data }),
    );
  }

  /** `GET …/experimentation/global-config` (200): the configuration as Vercel holds it. */
  async getFlagsConfig(resourceId: string): Promise<FlagsConfigState> {
    const text = await this.onFlagsConfigPath(resourceId, (path) =>
      this.sendJson("get flags configuration", "GET", path),
    );
    const parsed = FlagsConfigState.safeParse(parseJson(text));
    if (!parsed.success) {
      throw this.failure("get flags configuration", new Error("unexpected response body"), 200);
    }
    return parsed.data;
  }

  /** Sends to the endpoint name that answered last, and to the other one once after a 404. */
  private async onFlagsConfigPath<T>(
    resourceId: string,
    send: (path: string) => Promise<T>,
  ): Promise<T> {
    const first = flagsConfigPath;
    try {
      return await send(this.experimentationPath(resourceId, first));
    } catch (error) {
      if (!(error instanceof VercelApiError && error.status === 404)) throw error;
    }
    const other = first === "global-config" ? "edge-config" : "global-config";
    const answer = await send(this.experimentationPath(resourceId, other));
    flagsConfigPath = other;
    return answer;
  }

  private experimentationPath(resourceId: string, rest: string): string {
    return `/v1/installations/${encodeURIComponent(this.options.installationId)}/resources/${encodeURIComponent(resourceId)}/experimentation/${rest}`;
  }

  /** One idempotent JSON call outside the SDK, with the token, timeout and retries of the others. */
  private async sendJson(
    operation: string,
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<string> {
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}${path}`;
    const token =
      typeof this.options.accessToken === "string"
        ? this.options.accessToken
        : await this.options.accessToken();
    const send = this.options.fetch ?? nodeFetch;
    return this.retrying(operation, "idempotent", async (signal) => {
      let answer: Response;
      try {
        answer = await send(url, {
          method,
          headers: {
            accept: "application/json",
            authorization: `Bearer ${token}`,
            ...(body !== undefined && { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
      } catch (error) {
        return { ok: false, error: error as Error, unanswered: true };
      }
      this.logCall(method, url, answer);
      const text = await answer.text();
      if (answer.status >= 200 && answer.status < 300) return { ok: true, value: text };
      return {
        ok: false,
        error: new Error(`status ${answer.status}`),
        status: answer.status,
        body: text,
        retryAfterMs: retryAfterMs(answer.headers),
        unanswered: false,
      };
    });
  }

  // Account and members (spec §5.2, §5.3). The two SDK functions are imported on first use, as
  // the rest of the SDK is (see sdk.ts).

  /** Spec §5.2: the team's name, the installation's dashboard URL and the best contact now. */
  async getAccountInfo(): Promise<VercelAccountResponse> {
    const { marketplaceGetAccountInfo } = await import(
      "@vercel/sdk/funcs/marketplaceGetAccountInfo.js"
    );
    const answer = await this.call("get account info", "idempotent", (_sdk, core, request) =>
      marketplaceGetAccountInfo(
        core,
        { integrationConfigurationId: this.options.installationId },
        request,
      ),
    );
    return VercelAccountResponse.parse(answer);
  }

  /** Spec §5.3: a member's role by Vercel user id (the `user_id` claim); 404 for a non-member. */
  async getMember(memberId: string): Promise<VercelMemberResponse> {
    const { marketplaceGetMember } = await import("@vercel/sdk/funcs/marketplaceGetMember.js");
    const answer = await this.call("get member", "idempotent", (_sdk, core, request) =>
      marketplaceGetMember(
        core,
        { integrationConfigurationId: this.options.installationId, memberId },
        request,
      ),
    );
    return VercelMemberResponse.parse(answer);
  }
}

/** `Retry-After` (seconds or an HTTP date), or `Retry-After-Ms` as the SDK also reads, in ms. */
function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(headers.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The SDK takes instants as `Date`s and writes them back as ISO strings. */
function periodDates(period: { start: string; end: string }) {
  return { start: new Date(period.start), end: new Date(period.end) };
}

function withDates<Line extends VercelBillingItem | VercelDiscount>(line: Line) {
  return {
    ...line,
    start: line.start === undefined ? undefined : new Date(line.start),
    end: line.end === undefined ? undefined : new Date(line.end),
  };
}
