import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { type BillingPlan, type JsonObject, PlansResponse } from "../protocol/common.ts";
import { DeleteInstallationResponse, InstallationResponse } from "../protocol/installations.ts";
import { ReplResponse } from "../protocol/repl.ts";
import { ProvisionResourceResponse, Resource } from "../protocol/resources.ts";
import { type RotateSecretsRequest, RotateSecretsResponse } from "../protocol/secrets-rotation.ts";
import { CreateTransferResponse, VerifyTransferResponse } from "../protocol/transfers.ts";
import { applySecrets } from "../protocol/vercel-api.ts";
import { parseBodyText } from "./body-text.ts";
import type { MarketplaceIssuer } from "./issuer.ts";
import type { CallRecorder } from "./recorder.ts";
import {
  type EdgeConfigLink,
  type EmulatedInstallation,
  type EmulatedResource,
  type EmulatorState,
  newEdgeConfig,
  newId,
} from "./state.ts";

export type Fetch = (request: Request) => Promise<Response>;

export interface PartnerCall {
  method: string;
  path: string;
  auth: "user" | "system" | "none";
  installationId?: string | null;
  accountId?: string | null;
  role?: "ADMIN" | "USER";
  body?: unknown;
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

export interface PartnerAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** A partner answered something Vercel would not accept. */
export class PartnerCallError extends Error {
  override readonly name = "PartnerCallError";
  constructor(
    message: string,
    readonly answer: PartnerAnswer,
  ) {
    super(message);
  }
}

export interface PartnerClientOptions {
  partnerUrl: string;
  issuer: MarketplaceIssuer;
  state: EmulatorState;
  recorder: CallRecorder;
  /** Sends the request; `fetch` by default, or a partner app's own handler in-process. */
  fetch?: Fetch;
}

export interface ProvisionInput {
  productId: string;
  name: string;
  metadata: JsonObject;
  billingPlanId: string;
  /** The user ticked "Sync flags to an Edge Config" (experimentation products). */
  syncFlags?: boolean;
}

export interface InstallOptions {
  installationId?: string;
  accountId?: string;
  userId?: string;
}

/**
 * Vercel's side of the Partner API: every call signed with a fresh token of the right auth type,
 * mutating calls with an Idempotency-Key, every exchange recorded, and what Vercel would keep
 * (installations, resources, secrets) kept in the emulator state.
 */
export class PartnerClient {
  private readonly fetch: Fetch;

  constructor(private readonly options: PartnerClientOptions) {
    this.fetch = options.fetch ?? ((request) => fetch(request));
  }

  /** One raw call, recorded; the conformance suite uses it to send what Vercel never would. */
  async send(call: PartnerCall): Promise<PartnerAnswer> {
    const url = `${this.options.partnerUrl.replace(/\/$/, "")}${call.path}`;
    const headers = new Headers(call.headers);
    const token = await this.token(call);
    if (token) {
      headers.set("authorization", `Bearer ${token}`);
      headers.set("x-vercel-auth", call.auth);
    }
    if (call.idempotencyKey) headers.set("idempotency-key", call.idempotencyKey);
    let body: string | undefined;
    if (call.body !== undefined) {
      body = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
      headers.set("content-type", "application/json");
    }
    const started = performance.now();
    const record = {
      direction: "vercel→partner" as const,
      method: call.method,
      url,
      installationId: call.installationId ?? undefined,
      requestBody: call.body,
    };
    let response: Response;
    try {
      response = await this.fetch(new Request(url, { method: call.method, headers, body }));
    } catch (error) {
      this.options.recorder.record({
        ...record,
        status: 0,
        durationMs: performance.now() - started,
        error: String(error),
      });
      throw error;
    }
    const text = await response.text();
    const parsed = parseBodyText(text);
    this.options.recorder.record({
      ...record,
      status: response.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      responseBody: parsed,
    });
    return { status: response.status, body: parsed, headers: response.headers };
  }

  /** Accept Terms: PUT the installation with a fresh access token (spec §4.2). */
  async install(options: InstallOptions = {}): Promise<EmulatedInstallation> {
    const installation: EmulatedInstallation = {
      id: options.installationId ?? newId("icfg"),
      accountId: options.accountId ?? "team_emulator",
      userId: options.userId ?? "user_emulator",
      accessToken: `vat_${randomBytes(24).toString("base64url")}`,
      status: "installed",
    };
    const answer = await this.send({
      method: "PUT",
      path: `/v1/installations/${installation.id}`,
      auth: "user",
      installationId: installation.id,
      accountId: installation.accountId,
      idempotencyKey: newId("idem"),
      body: {
        scopes: ["read-write:integration-resource", "read-write:integration-configuration"],
        acceptedPolicies: { toc: new Date().toISOString() },
        credentials: { access_token: installation.accessToken, token_type: "Bearer" },
        account: {
          name: "Emulator Team",
          url: "https://vercel.com/emulator-team",
          contact: { email: "owner@emulator.test", name: "Emulator Owner" },
        },
      },
    });
    expectStatus(answer, [200, 201, 204], "Upsert Installation");
    this.options.state.installations.set(installation.id, installation);
    return installation;
  }

  /** Update Installation (spec §4.3): the customer picks another installation-level plan. */
  async updateInstallation(
    installationId: string,
    patch: { billingPlanId: string },
  ): Promise<InstallationResponse> {
    const installation = this.requireInstallation(installationId);
    const answer = await this.send({
      method: "PATCH",
      path: `/v1/installations/${installation.id}`,
      auth: "user",
      installationId: installation.id,
      accountId: installation.accountId,
      idempotencyKey: newId("idem"),
      body: patch,
    });
    expectStatus(answer, [200, 204], "Update Installation");
    return answer.status === 204
      ? {}
      : parseAnswer(InstallationResponse, answer, "Update Installation");
  }

  async productPlans(productId: string, metadata: JsonObject = {}): Promise<BillingPlan[]> {
    const query = new URLSearchParams({ metadata: JSON.stringify(metadata) });
    const answer = await this.send({
      method: "GET",
      path: `/v1/products/${encodeURIComponent(productId)}/plans?${query}`,
      auth: "system",
      installationId: null,
      accountId: null,
    });
    expectStatus(answer, [200], "List Billing Plans For Product");
    return parseAnswer(PlansResponse, answer, "List Billing Plans For Product").plans;
  }

  /**
   * Provision Resource (spec §4.5). With `syncFlags`, Vercel first makes an Edge Config for the
   * resource's flags and names it in `protocolSettings` (spec §11.3).
   */
  async provision(installationId: string, request: ProvisionInput): Promise<EmulatedResource> {
    const installation = this.requireInstallation(installationId);
    const { syncFlags, ...body } = request;
    const edgeConfig = syncFlags ? newEdgeConfig() : undefined;
    const answer = await this.send({
      method: "POST",
      path: `/v1/installations/${installation.id}/resources`,
      auth: "user",
      installationId: installation.id,
      accountId: installation.accountId,
      idempotencyKey: newId("idem"),
      body: { ...body, ...(edgeConfig && experimentationSettings(edgeConfig)) },
    });
    expectStatus(answer, [200, 201], "Provision Resource");
    const { secrets, ...resource } = parseAnswer(
      ProvisionResourceResponse,
      answer,
      "Provision Resource",
    );
    const saved = this.options.state.saveResource(installation.id, resource, secrets);
    if (edgeConfig) saved.edgeConfig = edgeConfig;
    return saved;
  }

  /** Vercel re-reads a resource after provisioning and after every `resource.updated` event. */
  async refreshResource(installationId: string, resourceId: string): Promise<EmulatedResource> {
    const installation = this.requireInstallation(installationId);
    const answer = await this.send({
      method: "GET",
      path: resourcePath(installation.id, resourceId),
      auth: "system",
      installationId: installation.id,
      accountId: installation.accountId,
    });
    expectStatus(answer, [200], "Get Resource");
    return this.options.state.saveResource(
      installation.id,
      parseAnswer(Resource, answer, "Get Resource"),
    );
  }

  /** Update Resource (spec §4.7); `syncFlags` turns flags syncing on with a new Edge Config. */
  async updateResource(
    installationId: string,
    resourceId: string,
    patch: { name?: string; metadata?: JsonObject; billingPlanId?: string; syncFlags?: boolean },
  ): Promise<EmulatedResource> {
    const installation = this.requireInstallation(installationId);
    const { syncFlags, ...body } = patch;
    const edgeConfig = syncFlags ? newEdgeConfig() : undefined;
    const answer = await this.send({
      method: "PATCH",
      path: resourcePath(installation.id, resourceId),
      auth: "user",
      installationId: installation.id,
      accountId: installation.accountId,
      idempotencyKey: newId("idem"),
      body: { ...body, ...(edgeConfig && experimentationSettings(edgeConfig)) },
    });
    expectStatus(answer, [200], "Update Resource");
    const saved = this.options.state.saveResource(
      installation.id,
      parseAnswer(Resource, answer, "Update Resource"),
    );
    if (edgeConfig) saved.edgeConfig = edgeConfig;
    return saved;
  }

  async deleteResource(installationId: string, resourceId: string): Promise<void> {
    const installation = this.requireInstallation(installationId);
    const answer = await this.send({
      method: "DELETE",
      path: resourcePath(installation.id, resourceId),
      auth: "user",
      installationId: installation.id,
      accountId: installation.accountId,
      idempotencyKey: newId("idem"),
    });
    expectStatus(answer, [204, 200], "Delete Resource");
    const resource = this.options.state.resources.get(resourceId);
    if (resource) resource.deleted = true;
  }

  /** Uninstall (spec §4.4); Vercel deletes the resources on its side either way. */
  async uninstall(
    installationId: string,
    options: { cascade?: boolean } = {},
  ): Promise<DeleteInstallationResponse> {
    const installation = this.requireInstallation(installationId);
    const answer = await this.send({
      method: "DELETE",
      path: `/v1/installations/${installation.id}`,
      auth: "user",
      installationId: installation.id,
      accountId: installation.accountId,
      idempotencyKey: newId("idem"),
      body: { cascadeResourceDeletion: options.cascade ?? true, reason: "uninstall" },
    });
    expectStatus(answer, [200, 204], "Delete Installation");
    const result =
      answer.status === 204
        ? {}
        : parseAnswer(DeleteInstallationResponse, answer, "Delete Installation");
    installation.status = "uninstalled";
    installation.finalized = result.finalized ?? false;
    for (const resource of this.options.state.resourcesOf(installation.id)) resource.deleted = true;
    return result;
  }

  /** Provision Purchase (spec §4.15): the raw answer, so a refusal can be shown as it came. */
  async provisionPurchase(
    installationId: string,
    invoiceId: string,
    auth: "user" | "system" = "user",
  ): Promise<PartnerAnswer> {
    const installation = this.requireInstallation(installationId);
    return this.send({
      method: "POST",
      path: `/v1/installations/${installation.id}/billing/provision`,
      auth,
      installationId: installation.id,
      accountId: installation.accountId,
      idempotencyKey: newId("idem"),
      body: { invoiceId },
    });
  }

  /**
   * Request Secrets Rotation (spec §4.10). A synchronous answer's secrets are applied as Vercel
   * does; an asynchronous one arrives later through Update Resource Secrets.
   */
  async rotateSecrets(
    installationId: string,
    resourceId: string,
    body: RotateSecretsRequest = {},
    auth: "user" | "system" = "user",
  ): Promise<RotateSecretsResponse> {
    const installation = this.requireInstallation(installationId);
    const answer = await this.send({
      method: "POST",
      path: `${resourcePath(installation.id, resourceId)}/secrets/rotate`,
      auth,
      installationId: installation.id,
      accountId: installation.accountId,
      idempotencyKey: newId("idem"),
      body,
    });
    expectStatus(answer, [200, 202], "Request Secrets Rotation");
    const result = parseAnswer(RotateSecretsResponse, answer, "Request Secrets Rotation");
    const resource = this.options.state.resources.get(resourceId);
    if (result.sync && resource) resource.secrets = applySecrets(resource.secrets, result);
    return result;
  }

  /** Resource REPL (spec §4.11); a USER-role member is what Vercel sends for viewers. */
  async repl(
    installationId: string,
    resourceId: string,
    input: string,
    options: { readOnly?: boolean; role?: "ADMIN" | "USER" } = {},
  ): Promise<ReplResponse> {
    const installation = this.requireInstallation(installationId);
    const answer = await this.send({
      method: "POST",
      path: `${resourcePath(installation.id, resourceId)}/repl`,
      auth: "user",
      role: options.role,
      installationId: installation.id,
      accountId: installation.accountId,
      idempotencyKey: newId("idem"),
      body: { input, ...(options.readOnly !== undefined && { readOnly: options.readOnly }) },
    });
    expectStatus(answer, [200], "Resource REPL");
    return parseAnswer(ReplResponse, answer, "Resource REPL");
  }

  /** Create Resource Transfer (spec §4.16) from the installation that owns the resources. */
  async createTransfer(
    sourceInstallationId: string,
    resourceIds: string[],
    expiresAt: number,
  ): Promise<string> {
    const installation = this.requireInstallation(sourceInstallationId);
    const answer = await this.send({
      method: "POST",
      path: `/v1/installations/${installation.id}/resource-transfer-requests`,
      auth: "system",
      installationId: installation.id,
      accountId: installation.accountId,
      idempotencyKey: newId("idem"),
      body: { resourceIds, expiresAt },
    });
    expectStatus(answer, [200], "Create Resource Transfer");
    const { providerClaimId } = parseAnswer(
      CreateTransferResponse,
      answer,
      "Create Resource Transfer",
    );
    this.options.state.transfers.set(providerClaimId, {
      id: providerClaimId,
      sourceInstallationId: installation.id,
      resourceIds,
      expiresAt,
    });
    return providerClaimId;
  }

  async verifyTransfer(
    targetInstallationId: string,
    providerClaimId: string,
  ): Promise<VerifyTransferResponse> {
    const installation = this.requireInstallation(targetInstallationId);
    const answer = await this.send({
      method: "GET",
      path: `${transferPath(installation.id, providerClaimId)}/verify`,
      auth: "system",
      installationId: installation.id,
      accountId: installation.accountId,
    });
    expectStatus(answer, [200], "Verify Resource Transfer");
    const verified = parseAnswer(VerifyTransferResponse, answer, "Verify Resource Transfer");
    const transfer = this.options.state.transfers.get(providerClaimId);
    if (transfer) transfer.verified = { targetInstallationId: installation.id, answer: verified };
    return verified;
  }

  /** Accept (spec §4.16); Vercel then lists the claimed resources under the target. */
  async acceptTransfer(targetInstallationId: string, providerClaimId: string): Promise<void> {
    const installation = this.requireInstallation(targetInstallationId);
    const answer = await this.send({
      method: "POST",
      path: `${transferPath(installation.id, providerClaimId)}/accept`,
      auth: "system",
      installationId: installation.id,
      accountId: installation.accountId,
      idempotencyKey: newId("idem"),
    });
    // 204 per the reference; the flows prose shows `{ success: true }` (UNCONFIRMED).
    expectStatus(answer, [204, 200], "Accept Resource Transfer");
    const transfer = this.options.state.transfers.get(providerClaimId);
    if (!transfer) return;
    transfer.acceptedBy = installation.id;
    for (const resourceId of transfer.resourceIds) {
      const resource = this.options.state.resources.get(resourceId);
      if (!resource) continue;
      resource.formerInstallationIds = [
        ...(resource.formerInstallationIds ?? []),
        resource.installationId,
      ];
      resource.installationId = installation.id;
    }
  }

  private requireInstallation(id: string): EmulatedInstallation {
    const installation = this.options.state.installations.get(id);
    if (installation?.status !== "installed") throw new Error(`No live installation ${id}`);
    return installation;
  }

  private async token(call: PartnerCall): Promise<string | undefined> {
    const { issuer } = this.options;
    if (call.auth === "none") return undefined;
    if (call.auth === "system") {
      return issuer.systemToken({
        installationId: call.installationId ?? null,
        accountId: call.accountId ?? null,
      });
    }
    const installation = call.installationId
      ? this.options.state.installations.get(call.installationId)
      : undefined;
    return issuer.userToken({
      installationId: call.installationId ?? "",
      accountId: call.accountId ?? installation?.accountId ?? "team_emulator",
      userId: installation?.userId ?? "user_emulator",
      role: call.role ?? "ADMIN",
      email: "owner@emulator.test",
      name: "Emulator Owner",
    });
  }
}

/** How Provision and Update Resource name the resource's Edge Config (spec §11.3). */
const experimentationSettings = (edgeConfig: EdgeConfigLink) => ({
  protocolSettings: { experimentation: { edgeConfigId: edgeConfig.id } },
});

const resourcePath = (installationId: string, resourceId: string) =>
  `/v1/installations/${installationId}/resources/${encodeURIComponent(resourceId)}`;

const transferPath = (installationId: string, claimId: string) =>
  `/v1/installations/${installationId}/resource-transfer-requests/${encodeURIComponent(claimId)}`;

function expectStatus(answer: PartnerAnswer, expected: number[], operation: string): void {
  if (!expected.includes(answer.status)) {
    throw new PartnerCallError(
      `${operation} answered ${answer.status}, expected ${expected.join(" or ")}`,
      answer,
    );
  }
}

function parseAnswer<T>(schema: z.ZodType<T>, answer: PartnerAnswer, operation: string): T {
  const result = schema.safeParse(answer.body);
  if (!result.success) {
    throw new PartnerCallError(
      `${operation} answered a body Vercel would reject: ${result.error.message}`,
      answer,
    );
  }
  return result.data;
}
