import { VercelCore } from "@vercel/sdk/core.js";
import { deploymentsUpdateIntegrationDeploymentAction } from "@vercel/sdk/funcs/deploymentsUpdateIntegrationDeploymentAction.js";
import { marketplaceCreateEvent } from "@vercel/sdk/funcs/marketplaceCreateEvent.js";
import { marketplaceFinalizeInstallation } from "@vercel/sdk/funcs/marketplaceFinalizeInstallation.js";
import { marketplaceGetInvoice } from "@vercel/sdk/funcs/marketplaceGetInvoice.js";
import { marketplaceImportResource } from "@vercel/sdk/funcs/marketplaceImportResource.js";
import { marketplaceRevokeInstallationCredential } from "@vercel/sdk/funcs/marketplaceRevokeInstallationCredential.js";
import { marketplaceRotateInstallationCredential } from "@vercel/sdk/funcs/marketplaceRotateInstallationCredential.js";
import { marketplaceSubmitBillingData } from "@vercel/sdk/funcs/marketplaceSubmitBillingData.js";
import { marketplaceSubmitInvoice } from "@vercel/sdk/funcs/marketplaceSubmitInvoice.js";
import { marketplaceSubmitPrepaymentBalances } from "@vercel/sdk/funcs/marketplaceSubmitPrepaymentBalances.js";
import { marketplaceUpdateInstallation } from "@vercel/sdk/funcs/marketplaceUpdateInstallation.js";
import { marketplaceUpdateInvoice } from "@vercel/sdk/funcs/marketplaceUpdateInvoice.js";
import { marketplaceUpdateResourceSecretsById } from "@vercel/sdk/funcs/marketplaceUpdateResourceSecretsById.js";
import { HTTPClient } from "@vercel/sdk/lib/http.js";
import { type RetryConfig, retry } from "@vercel/sdk/lib/retries.js";
import type { Logger } from "pino";
import { z } from "zod";
import {
  type VercelBalancesRequest,
  type VercelBillingDataRequest,
  type VercelBillingItem,
  type VercelDiscount,
  type VercelImportResourceRequest,
  VercelInvoice,
  type VercelInvoiceActionRequest,
  type VercelSubmitInvoiceRequest,
  VercelSubmitInvoiceResponse,
  type VercelUpdateInstallationRequest,
} from "../protocol/vercel-api.ts";

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
  retry?: { initialIntervalMs?: number; maxIntervalMs?: number; maxElapsedMs?: number };
  timeoutMs?: number;
}

/** A call that Vercel refused or that could not be made, after retries. */
export class VercelApiError extends Error {
  override readonly name = "VercelApiError";
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly body?: string,
  ) {
    super(message);
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

const RETRIED_STATUSES = ["429", "5XX"];

/**
 * The calls a partner makes to Vercel, for one installation: `@vercel/sdk` standalone functions on
 * a `VercelCore` holding that installation's token, retried with exponential backoff on 429, 5xx
 * and connection errors (honouring `Retry-After`), with a timeout, and logged without the token.
 */
export class VercelClient {
  readonly core: VercelCore;
  private readonly retryConfig: RetryConfig;

  constructor(private readonly options: VercelClientOptions) {
    const http = new HTTPClient(options.fetch ? { fetcher: options.fetch } : {});
    http.addHook("response", (response, request) =>
      this.logCall(request.method, request.url, response),
    );
    this.retryConfig = {
      strategy: "backoff",
      retryConnectionErrors: true,
      backoff: {
        initialInterval: options.retry?.initialIntervalMs ?? 200,
        maxInterval: options.retry?.maxIntervalMs ?? 5_000,
        exponent: 2,
        maxElapsedTime: options.retry?.maxElapsedMs ?? 60_000,
      },
    };
    this.core = new VercelCore({
      serverURL: options.baseUrl,
      bearerToken: options.accessToken,
      httpClient: http,
      timeoutMs: this.timeoutMs,
      retryConfig: this.retryConfig,
    });
  }

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
    await this.unwrap(
      "update deployment action",
      deploymentsUpdateIntegrationDeploymentAction(this.core, {
        deploymentId,
        integrationConfigurationId: this.options.installationId,
        resourceId,
        action,
        requestBody: body,
      }),
    );
  }

  /**
   * `GET /v13/deployments/{id}`: git ref, sha and target for an action's context. Sent without the
   * SDK (see `DeploymentContext`), with the same token, timeout and retry policy.
   */
  async getDeployment(idOrUrl: string): Promise<DeploymentContext> {
    const operation = "get deployment";
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/v13/deployments/${encodeURIComponent(idOrUrl)}`;
    const token =
      typeof this.options.accessToken === "string"
        ? this.options.accessToken
        : await this.options.accessToken();
    const send = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await retry(
        async () => {
          const answer = await send(url, {
            headers: { accept: "application/json", authorization: `Bearer ${token}` },
            signal: AbortSignal.timeout(this.timeoutMs),
          });
          this.logCall("GET", url, answer);
          return answer;
        },
        { config: this.retryConfig, statusCodes: RETRIED_STATUSES },
      );
    } catch (error) {
      throw this.failure(operation, error as Error);
    }
    const body = await response.text();
    if (response.status !== 200) {
      throw this.failure(operation, new Error(`status ${response.status}`), response.status, body);
    }
    const parsed = DeploymentContext.safeParse(parseJson(body));
    if (!parsed.success) {
      throw this.failure(operation, new Error("unexpected response body"), response.status, body);
    }
    return parsed.data;
  }

  /** Spec §5.5: tell Vercel a resource changed; it then re-reads it through Get Resource. */
  async resourceUpdated(resourceId: string): Promise<void> {
    await this.unwrap(
      "create event",
      marketplaceCreateEvent(this.core, {
        integrationConfigurationId: this.options.installationId,
        requestBody: { event: { type: "resource.updated", resourceId } },
      }),
    );
  }

  /** Spec §5.11: replace (or, with `partial`, patch) a resource's secrets. */
  async updateResourceSecrets(
    resourceId: string,
    secrets: { name: string; value: string; prefix?: string }[],
    partial = false,
  ): Promise<void> {
    await this.unwrap(
      "update resource secrets",
      marketplaceUpdateResourceSecretsById(this.core, {
        integrationConfigurationId: this.options.installationId,
        resourceId,
        requestBody: { secrets, partial },
      }),
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
    await this.unwrap(
      "submit billing data",
      marketplaceSubmitBillingData(this.core, {
        integrationConfigurationId: this.options.installationId,
        requestBody: {
          ...body,
          timestamp: new Date(body.timestamp),
          eod: new Date(body.eod),
          period: periodDates(body.period),
          billing,
        },
      }),
    );
  }

  /** Spec §5.14: prepaid balances as they are now. */
  async submitBalances(body: VercelBalancesRequest): Promise<void> {
    await this.unwrap(
      "submit prepayment balances",
      marketplaceSubmitPrepaymentBalances(this.core, {
        integrationConfigurationId: this.options.installationId,
        requestBody: { timestamp: new Date(body.timestamp), balances: body.balances },
      }),
    );
  }

  /** Spec §5.13: Vercel answers the same invoice again for an `externalId` it has seen. */
  async submitInvoice(body: VercelSubmitInvoiceRequest): Promise<VercelSubmitInvoiceResponse> {
    const answer = await this.unwrap(
      "submit invoice",
      marketplaceSubmitInvoice(this.core, {
        integrationConfigurationId: this.options.installationId,
        requestBody: {
          ...body,
          invoiceDate: new Date(body.invoiceDate),
          period: periodDates(body.period),
          items: body.items.map(withDates),
          discounts: body.discounts?.map(withDates),
        },
      }),
    );
    return VercelSubmitInvoiceResponse.parse(answer);
  }

  async getInvoice(invoiceId: string): Promise<VercelInvoice> {
    const invoice = await this.unwrap(
      "get invoice",
      marketplaceGetInvoice(this.core, {
        integrationConfigurationId: this.options.installationId,
        invoiceId,
      }),
    );
    return VercelInvoice.parse(invoice);
  }

  /** Spec §5.13 Invoice Actions: refund up to the invoice's total. */
  async refundInvoice(invoiceId: string, body: Omit<VercelInvoiceActionRequest, "action">) {
    await this.unwrap(
      "refund invoice",
      marketplaceUpdateInvoice(this.core, {
        integrationConfigurationId: this.options.installationId,
        invoiceId,
        requestBody: { action: "refund", ...body },
      }),
    );
  }

  /** Spec §5.15: no more invoices will follow the uninstall. */
  async finalizeInstallation(): Promise<void> {
    await this.unwrap(
      "finalize installation",
      marketplaceFinalizeInstallation(this.core, {
        integrationConfigurationId: this.options.installationId,
      }),
    );
  }

  private async unwrap<T>(operation: string, call: PromiseLike<SdkResult<T>>): Promise<T> {
    const result = await call;
    if (result.ok) return result.value;
    const error = result.error as Error & { statusCode?: number; body?: string };
    throw this.failure(operation, error, error.statusCode, error.body);
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
    await this.unwrap(
      "update installation",
      marketplaceUpdateInstallation(this.core, {
        integrationConfigurationId: this.options.installationId,
        requestBody: body,
      }),
    );
  }

  /** Spec §5.5: the installation's plan changed; Vercel re-reads it through Get Installation. */
  async installationUpdated(billingPlanId?: string): Promise<void> {
    await this.unwrap(
      "create event",
      marketplaceCreateEvent(this.core, {
        integrationConfigurationId: this.options.installationId,
        requestBody: { event: { type: "installation.updated", billingPlanId } },
      }),
    );
  }

  /** Spec §5.8: create or update on Vercel's side a resource that was made on yours. */
  async importResource(resourceId: string, body: VercelImportResourceRequest): Promise<void> {
    await this.unwrap(
      "import resource",
      marketplaceImportResource(this.core, {
        integrationConfigurationId: this.options.installationId,
        resourceId,
        requestBody: body,
      }),
    );
  }

  /** Spec §5.4: a new installation token; the current one stays valid until revoked. */
  async rotateCredential(client: { id?: string; secret: string }) {
    return this.unwrap(
      "rotate installation credential",
      marketplaceRotateInstallationCredential(this.core, {
        integrationConfigurationId: this.options.installationId,
        requestBody: { clientSecret: client.secret, clientId: client.id },
      }),
    );
  }

  /** Spec §5.4: retire `token`; call it with another live token (Vercel keeps the last one). */
  async revokeCredential(token: string, client: { id?: string; secret: string }) {
    return this.unwrap(
      "revoke installation credential",
      marketplaceRevokeInstallationCredential(this.core, {
        integrationConfigurationId: this.options.installationId,
        requestBody: { token, clientSecret: client.secret, clientId: client.id },
      }),
    );
  }
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
