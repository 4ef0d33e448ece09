import { VercelCore } from "@vercel/sdk/core.js";
import { deploymentsGetDeployment } from "@vercel/sdk/funcs/deploymentsGetDeployment.js";
import { deploymentsUpdateIntegrationDeploymentAction } from "@vercel/sdk/funcs/deploymentsUpdateIntegrationDeploymentAction.js";
import { marketplaceCreateEvent } from "@vercel/sdk/funcs/marketplaceCreateEvent.js";
import { marketplaceImportResource } from "@vercel/sdk/funcs/marketplaceImportResource.js";
import { marketplaceRevokeInstallationCredential } from "@vercel/sdk/funcs/marketplaceRevokeInstallationCredential.js";
import { marketplaceRotateInstallationCredential } from "@vercel/sdk/funcs/marketplaceRotateInstallationCredential.js";
import { marketplaceUpdateInstallation } from "@vercel/sdk/funcs/marketplaceUpdateInstallation.js";
import { marketplaceUpdateResourceSecretsById } from "@vercel/sdk/funcs/marketplaceUpdateResourceSecretsById.js";
import { HTTPClient } from "@vercel/sdk/lib/http.js";
import type { Logger } from "pino";
import type {
  VercelImportResourceRequest,
  VercelUpdateInstallationRequest,
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
 * The calls a partner makes to Vercel, for one installation: `@vercel/sdk` standalone functions on
 * a `VercelCore` holding that installation's token, retried with exponential backoff on 429, 5xx
 * and connection errors (honouring `Retry-After`), with a timeout, and logged without the token.
 */
export class VercelClient {
  readonly core: VercelCore;

  constructor(private readonly options: VercelClientOptions) {
    const http = new HTTPClient(options.fetch ? { fetcher: options.fetch } : {});
    http.addHook("response", (response, request) => {
      options.log.debug(
        { method: request.method, path: new URL(request.url).pathname, status: response.status },
        "vercel api call",
      );
    });
    this.core = new VercelCore({
      serverURL: options.baseUrl,
      bearerToken: options.accessToken,
      httpClient: http,
      timeoutMs: options.timeoutMs ?? 10_000,
      retryConfig: {
        strategy: "backoff",
        retryConnectionErrors: true,
        backoff: {
          initialInterval: options.retry?.initialIntervalMs ?? 200,
          maxInterval: options.retry?.maxIntervalMs ?? 5_000,
          exponent: 2,
          maxElapsedTime: options.retry?.maxElapsedMs ?? 60_000,
        },
      },
    });
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

  /** `GET /v13/deployments/{id}`: git ref, sha and target for an action's context. */
  async getDeployment(idOrUrl: string) {
    return this.unwrap("get deployment", deploymentsGetDeployment(this.core, { idOrUrl }));
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

  private async unwrap<T>(operation: string, call: PromiseLike<SdkResult<T>>): Promise<T> {
    const result = await call;
    if (result.ok) return result.value;
    const error = result.error as Error & { statusCode?: number; body?: string };
    this.options.log.warn(
      { operation, status: error.statusCode, installationId: this.options.installationId },
      "vercel api call failed",
    );
    throw new VercelApiError(`${operation} failed: ${error.message}`, error.statusCode, error.body);
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
