import { VercelCore } from "@vercel/sdk/core.js";
import { deploymentsGetDeployment } from "@vercel/sdk/funcs/deploymentsGetDeployment.js";
import { deploymentsUpdateIntegrationDeploymentAction } from "@vercel/sdk/funcs/deploymentsUpdateIntegrationDeploymentAction.js";
import { marketplaceCreateEvent } from "@vercel/sdk/funcs/marketplaceCreateEvent.js";
import { marketplaceFinalizeInstallation } from "@vercel/sdk/funcs/marketplaceFinalizeInstallation.js";
import { marketplaceGetAccountInfo } from "@vercel/sdk/funcs/marketplaceGetAccountInfo.js";
import { marketplaceGetInvoice } from "@vercel/sdk/funcs/marketplaceGetInvoice.js";
import { marketplaceGetMember } from "@vercel/sdk/funcs/marketplaceGetMember.js";
import { marketplaceImportResource } from "@vercel/sdk/funcs/marketplaceImportResource.js";
import { marketplaceSubmitBillingData } from "@vercel/sdk/funcs/marketplaceSubmitBillingData.js";
import { marketplaceSubmitInvoice } from "@vercel/sdk/funcs/marketplaceSubmitInvoice.js";
import { marketplaceSubmitPrepaymentBalances } from "@vercel/sdk/funcs/marketplaceSubmitPrepaymentBalances.js";
import { marketplaceUpdateInstallation } from "@vercel/sdk/funcs/marketplaceUpdateInstallation.js";
import { marketplaceUpdateInvoice } from "@vercel/sdk/funcs/marketplaceUpdateInvoice.js";
import { marketplaceUpdateResource } from "@vercel/sdk/funcs/marketplaceUpdateResource.js";
import { marketplaceUpdateResourceSecretsById } from "@vercel/sdk/funcs/marketplaceUpdateResourceSecretsById.js";
import { HTTPClient } from "@vercel/sdk/lib/http.js";
import type { RetryConfig } from "@vercel/sdk/lib/retries.js";
import { VercelError } from "@vercel/sdk/models/vercelerror.js";
import { beforeEach, describe, expect, it, type Mock, vi } from "vitest";
import { MASK } from "../../packages/partnerkit/src/emulator/mask.ts";
import { CallRecorder } from "../../packages/partnerkit/src/emulator/recorder.ts";
import {
  type EmulatedInstallation,
  EmulatorState,
} from "../../packages/partnerkit/src/emulator/state.ts";
import {
  type VercelApiOptions,
  vercelApiRoutes,
} from "../../packages/partnerkit/src/emulator/vercel-api/app.ts";
import type { FaultPlan } from "../../packages/partnerkit/src/emulator/vercel-api/faults.ts";
import type { VercelApiState } from "../../packages/partnerkit/src/emulator/vercel-api/store.ts";
import { ErrorBody } from "../../packages/partnerkit/src/protocol/errors.ts";
import { VercelInvoice } from "../../packages/partnerkit/src/protocol/vercel-api.ts";

const API = "https://api.vercel.test";
const TOKEN = "vat_acme_token";
const OTHER_TOKEN = "vat_other_token";

let state: EmulatorState;
let recorder: CallRecorder;
let store: VercelApiState;
let faults: FaultPlan;
let app: ReturnType<typeof vercelApiRoutes>["app"];
let onEvent: Mock<NonNullable<VercelApiOptions["onEvent"]>>;
let installation: EmulatedInstallation;

beforeEach(() => {
  state = new EmulatorState();
  recorder = new CallRecorder();
  onEvent = vi.fn<NonNullable<VercelApiOptions["onEvent"]>>();
  ({ app, store, faults } = vercelApiRoutes({ state, recorder, onEvent }));
  installation = {
    id: "icfg_acme",
    accountId: "team_acme",
    userId: "user_owner",
    accessToken: TOKEN,
    status: "installed",
  };
  state.installations.set(installation.id, installation);
  state.installations.set("icfg_other", {
    id: "icfg_other",
    accountId: "team_other",
    userId: "user_other",
    accessToken: OTHER_TOKEN,
    status: "installed",
  });
  state.saveResource(
    installation.id,
    { id: "kv_1", productId: "acme-kv", name: "cache", metadata: {}, status: "ready" },
    [{ name: "KV_URL", value: "redis://old-secret" }],
  );
});

/** The real SDK, reaching the fake in-process (ecosystem §2.2). */
function sdk(token = TOKEN, retryConfig?: RetryConfig) {
  const httpClient = new HTTPClient({
    fetcher: (input, init) => Promise.resolve(app.fetch(new Request(input, init))),
  });
  for (const hook of responseHooks) httpClient.addHook("response", hook);
  return new VercelCore({ serverURL: API, bearerToken: token, httpClient, retryConfig });
}

let responseHooks: ((response: Response) => void)[] = [];
beforeEach(() => {
  responseHooks = [];
});

type SdkResult<T> = { ok: true; value: T } | { ok: false; error: Error };

function expectOk<T>(result: SdkResult<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}

/** The SDK's error for a refused call, with the fake's error body. */
function expectRefused<T>(result: SdkResult<T>, status: number): ErrorBody {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error("unreachable");
  expect(result.error).toBeInstanceOf(VercelError);
  const error = result.error as VercelError;
  expect(error.statusCode).toBe(status);
  return ErrorBody.parse(JSON.parse(error.body));
}

const raw = (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const { token = TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (rest.body) headers.set("content-type", "application/json");
  return app.request(`${API}${path}`, { ...rest, headers });
};

const period = { start: new Date("2026-09-01T00:00:00Z"), end: new Date("2026-09-30T23:59:59Z") };
const item = {
  billingPlanId: "pro",
  resourceId: "kv_1",
  name: "Pro plan",
  price: "20.00",
  quantity: 1,
  units: "month",
  total: "20.00",
};

describe("Vercel API fake, driven by @vercel/sdk", () => {
  it("updates the installation (204)", async () => {
    const result = await marketplaceUpdateInstallation(sdk(), {
      integrationConfigurationId: installation.id,
      requestBody: {
        status: "ready",
        billingPlan: { id: "pro", type: "subscription", name: "Pro", cost: "$20/month" },
        notification: { level: "warn", title: "Card expiring" },
      },
    });
    expectOk(result);
    expect(store.installationDetails.get(installation.id)).toMatchObject({
      status: "ready",
      billingPlan: { id: "pro" },
      notification: { title: "Card expiring" },
    });

    // `null` clears the notification (spec §5.1); the SDK's types cannot say null, so raw.
    const cleared = await raw(`/v1/installations/${installation.id}`, {
      method: "PATCH",
      body: JSON.stringify({ notification: null }),
    });
    expect(cleared.status).toBe(204);
    expect(store.installationDetails.get(installation.id)?.notification).toBeUndefined();
  });

  it("answers account and member information (200)", async () => {
    const account = expectOk(
      await marketplaceGetAccountInfo(sdk(), { integrationConfigurationId: installation.id }),
    );
    expect(account.contact?.email).toBe("owner@emulator.test");

    const member = expectOk(
      await marketplaceGetMember(sdk(), {
        integrationConfigurationId: installation.id,
        memberId: "user_owner",
      }),
    );
    expect(member).toEqual({ id: "user_owner", role: "ADMIN" });

    store.setMember(installation.id, { id: "user_viewer", role: "USER" });
    const viewer = await marketplaceGetMember(sdk(), {
      integrationConfigurationId: installation.id,
      memberId: "user_viewer",
    });
    expect(expectOk(viewer).role).toBe("USER");

    const stranger = await marketplaceGetMember(sdk(), {
      integrationConfigurationId: installation.id,
      memberId: "user_nobody",
    });
    expect(expectRefused(stranger, 404).error.code).toBe("not_found");
  });

  it("accepts events (201, empty) and lets the emulator re-read the resource", async () => {
    const result = await marketplaceCreateEvent(sdk(), {
      integrationConfigurationId: installation.id,
      requestBody: { event: { type: "resource.updated", resourceId: "kv_1" } },
    });
    expectOk(result);
    expect(store.events.get(installation.id)?.map(({ event }) => event)).toEqual([
      { type: "resource.updated", resourceId: "kv_1" },
    ]);
    await vi.waitFor(() =>
      expect(onEvent).toHaveBeenCalledWith(installation.id, {
        type: "resource.updated",
        resourceId: "kv_1",
      }),
    );

    const unknown = await marketplaceCreateEvent(sdk(), {
      integrationConfigurationId: installation.id,
      requestBody: { event: { type: "resource.updated", resourceId: "kv_missing" } },
    });
    expectRefused(unknown, 404);
  });

  it("imports a resource (200 { name }) into the emulator's state, secrets included", async () => {
    const result = await marketplaceImportResource(sdk(), {
      integrationConfigurationId: installation.id,
      resourceId: "kv_imported",
      requestBody: {
        productId: "acme-kv",
        name: "imported-cache",
        status: "ready",
        ownership: "owned",
        metadata: { region: "iad1", replicas: 2 },
        billingPlan: { id: "pro", type: "subscription", name: "Pro" },
        secrets: [{ name: "KV_URL", value: "redis://imported", prefix: "ACME" }],
      },
    });
    expect(expectOk(result)).toEqual({ name: "imported-cache" });
    expect(state.resources.get("kv_imported")).toMatchObject({
      installationId: installation.id,
      name: "imported-cache",
      metadata: { region: "iad1", replicas: 2 },
      billingPlan: { id: "pro", description: "" },
      secrets: [{ name: "KV_URL", value: "redis://imported", prefix: "ACME" }],
    });
    expect(store.resourceExtras.get("kv_imported")?.ownership).toBe("owned");

    // Another installation may not take over the same resource id.
    const stolen = await marketplaceImportResource(sdk(OTHER_TOKEN), {
      integrationConfigurationId: "icfg_other",
      resourceId: "kv_imported",
      requestBody: { productId: "acme-kv", name: "mine", status: "ready" },
    });
    expectRefused(stolen, 409);
  });

  it("updates a resource (200 { name }), merging partial secrets", async () => {
    const result = await marketplaceUpdateResource(sdk(), {
      integrationConfigurationId: installation.id,
      resourceId: "kv_1",
      requestBody: {
        name: "renamed-cache",
        status: "suspended",
        notification: { level: "error", title: "Suspended for non-payment" },
        secrets: { secrets: [{ name: "KV_TOKEN", value: "tok" }], partial: true },
      },
    });
    expect(expectOk(result)).toEqual({ name: "renamed-cache" });
    const resource = state.resources.get("kv_1");
    expect(resource).toMatchObject({ name: "renamed-cache", status: "suspended" });
    expect(resource?.notification?.title).toBe("Suspended for non-payment");
    expect(resource?.secrets.map((secret) => secret.name)).toEqual(["KV_URL", "KV_TOKEN"]);

    const missing = await marketplaceUpdateResource(sdk(), {
      integrationConfigurationId: installation.id,
      resourceId: "kv_missing",
      requestBody: { name: "x" },
    });
    expectRefused(missing, 404);
  });

  it("updates resource secrets by id (201), replacing or patching the set", async () => {
    const replace = await marketplaceUpdateResourceSecretsById(sdk(), {
      integrationConfigurationId: installation.id,
      resourceId: "kv_1",
      requestBody: { secrets: [{ name: "KV_URL", value: "redis://new-secret" }] },
    });
    expectOk(replace);
    expect(state.resources.get("kv_1")?.secrets).toEqual([
      { name: "KV_URL", value: "redis://new-secret" },
    ]);

    const patch = await marketplaceUpdateResourceSecretsById(sdk(), {
      integrationConfigurationId: installation.id,
      resourceId: "kv_1",
      requestBody: { secrets: [{ name: "KV_READONLY", value: "ro" }], partial: true },
    });
    expectOk(patch);
    expect(state.resources.get("kv_1")?.secrets.map((secret) => secret.name)).toEqual([
      "KV_URL",
      "KV_READONLY",
    ]);
    // What a connected project would now see.
    const project = state.createProject("web");
    state.connect(project.id, { resourceId: "kv_1", environments: ["production"] });
    expect(state.projectEnv(project.id, "production")).toEqual({
      KV_URL: "redis://new-secret",
      KV_READONLY: "ro",
    });
  });

  it("takes billing data in both `billing` forms (201, empty), keeping the latest", async () => {
    const legacy = await marketplaceSubmitBillingData(sdk(), {
      integrationConfigurationId: installation.id,
      requestBody: {
        timestamp: new Date("2026-09-10T12:00:00Z"),
        eod: new Date("2026-09-10T00:00:00Z"),
        period,
        billing: [item],
        usage: [
          {
            resourceId: "kv_1",
            name: "Requests",
            type: "interval",
            units: "requests",
            dayValue: 10,
            periodValue: 100,
          },
        ],
      },
    });
    expectOk(legacy);

    const current = await marketplaceSubmitBillingData(sdk(), {
      integrationConfigurationId: installation.id,
      requestBody: {
        timestamp: new Date("2026-09-11T12:00:00Z"),
        eod: new Date("2026-09-11T00:00:00Z"),
        period,
        billing: {
          items: [item],
          discounts: [{ billingPlanId: "pro", name: "Launch", amount: "5.00" }],
        },
        usage: [],
      },
    });
    expectOk(current);
    expect(store.billing.get(installation.id)?.data).toMatchObject({
      timestamp: "2026-09-11T12:00:00.000Z",
      billing: { discounts: [{ amount: "5.00" }] },
    });
  });

  it("submits, dedupes, reads and refunds invoices (200, 200, 204)", async () => {
    const submit = () =>
      marketplaceSubmitInvoice(sdk(), {
        integrationConfigurationId: installation.id,
        requestBody: {
          externalId: "acme-2026-09",
          invoiceDate: new Date("2026-09-30T23:59:59Z"),
          period,
          items: [
            item,
            { ...item, name: "Extra storage", price: "0.25", quantity: 10, total: "2.50" },
          ],
          discounts: [{ billingPlanId: "pro", name: "Launch", amount: "2.00" }],
        },
      });
    const { invoiceId } = expectOk(await submit());
    expect(invoiceId).toMatch(/^inv_/);
    // A retried submission with the same externalId gets the same invoice back.
    expect(expectOk(await submit()).invoiceId).toBe(invoiceId);
    expect(store.invoices.size).toBe(1);

    const read = async () =>
      VercelInvoice.parse(
        expectOk(
          await marketplaceGetInvoice(sdk(), {
            integrationConfigurationId: installation.id,
            invoiceId: invoiceId ?? "",
          }),
        ),
      );
    expect(await read()).toMatchObject({
      invoiceId,
      externalId: "acme-2026-09",
      state: "invoiced",
      total: "20.50",
      invoiceNumber: "INV-0001",
    });

    store.setInvoiceState(invoiceId ?? "", "paid");
    const refund = await marketplaceUpdateInvoice(sdk(), {
      integrationConfigurationId: installation.id,
      invoiceId: invoiceId ?? "",
      requestBody: { action: "refund", reason: "Outage", total: "10.00" },
    });
    expectOk(refund);
    expect(await read()).toMatchObject({
      state: "refunded",
      refundReason: "Outage",
      refundTotal: "10.00",
    });

    const again = await marketplaceUpdateInvoice(sdk(), {
      integrationConfigurationId: installation.id,
      invoiceId: invoiceId ?? "",
      requestBody: { action: "refund", reason: "Outage", total: "1.00" },
    });
    expectRefused(again, 409);
  });

  it("validates a test invoice without storing it", async () => {
    const result = await marketplaceSubmitInvoice(sdk(), {
      integrationConfigurationId: installation.id,
      requestBody: {
        invoiceDate: new Date("2026-09-30T00:00:00Z"),
        period,
        items: [{ ...item, resourceId: "kv_of_someone_else" }],
        test: { validate: true },
      },
    });
    expect(expectOk(result)).toEqual({
      test: true,
      validationErrors: [expect.stringContaining("items[0].resourceId")],
    });
    expect(store.invoices.size).toBe(0);
  });

  it("takes prepayment balances (201, empty)", async () => {
    const result = await marketplaceSubmitPrepaymentBalances(sdk(), {
      integrationConfigurationId: installation.id,
      requestBody: {
        timestamp: new Date("2026-09-10T12:00:00Z"),
        balances: [
          { currencyValueInCents: 1500, credit: "1,500 Tokens", nameLabel: "Tokens" },
          { resourceId: "kv_1", currencyValueInCents: 250 },
        ],
      },
    });
    expectOk(result);
    expect(store.balances.get(installation.id)?.balances).toHaveLength(2);
  });

  it("finalizes (204); afterwards the installation is gone (410)", async () => {
    installation.status = "uninstalled";
    // While uninstalling, the last invoice (final: true) is still accepted.
    const last = await marketplaceSubmitInvoice(sdk(), {
      integrationConfigurationId: installation.id,
      requestBody: { invoiceDate: period.end, period, items: [item], final: true },
    });
    const { invoiceId } = expectOk(last);
    expect(store.invoices.get(invoiceId ?? "")?.final).toBe(true);

    expectOk(
      await marketplaceFinalizeInstallation(sdk(), { integrationConfigurationId: installation.id }),
    );
    expect(installation.finalized).toBe(true);

    const after = await marketplaceGetInvoice(sdk(), {
      integrationConfigurationId: installation.id,
      invoiceId: invoiceId ?? "",
    });
    expect(expectRefused(after, 410).error.code).toBe("installation_finalized");
  });

  it("refuses live calls for an uninstalled installation (410) and `final` for a live one (400)", async () => {
    const final = await marketplaceSubmitInvoice(sdk(), {
      integrationConfigurationId: installation.id,
      requestBody: { invoiceDate: period.end, period, items: [item], final: true },
    });
    expect(expectRefused(final, 400).error.fields).toEqual([
      { key: "final", message: expect.stringContaining("uninstalling") },
    ]);

    installation.status = "uninstalled";
    const update = await marketplaceUpdateResource(sdk(), {
      integrationConfigurationId: installation.id,
      resourceId: "kv_1",
      requestBody: { name: "x" },
    });
    expect(expectRefused(update, 410).error.code).toBe("installation_uninstalled");
  });

  it("accepts deployment action reports (202) and serves the deployment the action reads", async () => {
    const deployment = store.createDeployment({ ref: "feature-x", sha: "abc123" });
    const got = expectOk(await deploymentsGetDeployment(sdk(), { idOrUrl: deployment.id }));
    // Only the full shape carries gitSource and meta; the SDK must not fall back to the short one.
    expect(got).toMatchObject({
      id: deployment.id,
      target: null,
      gitSource: { ref: "feature-x", sha: "abc123" },
      meta: { githubCommitRef: "feature-x" },
    });

    const target = {
      deploymentId: deployment.id,
      integrationConfigurationId: installation.id,
      resourceId: "kv_1",
      action: "branch",
    };
    expectOk(
      await deploymentsUpdateIntegrationDeploymentAction(sdk(), {
        ...target,
        requestBody: { status: "running", statusUrl: "sso:https://acme.test/runs/1" },
      }),
    );
    const done = {
      ...target,
      requestBody: {
        status: "succeeded" as const,
        outcomes: [
          { kind: "resource-secrets", secrets: [{ name: "KV_URL", value: "redis://branch" }] },
        ],
      },
    };
    expectOk(await deploymentsUpdateIntegrationDeploymentAction(sdk(), done));
    // A retried final report is harmless; a different status after the end is a conflict.
    expectOk(await deploymentsUpdateIntegrationDeploymentAction(sdk(), done));
    expect(store.action(deployment.id, "kv_1", "branch")).toMatchObject({
      status: "succeeded",
      statusUrl: "sso:https://acme.test/runs/1",
      outcomes: [{ kind: "resource-secrets" }],
    });
    const late = await deploymentsUpdateIntegrationDeploymentAction(sdk(), {
      ...target,
      requestBody: { status: "failed", statusText: "too late" },
    });
    expectRefused(late, 409);

    expectRefused(await deploymentsGetDeployment(sdk(), { idOrUrl: "dpl_unknown" }), 404);
  });
});

describe("Vercel API fake: bad bodies are a 400 naming the field", () => {
  it("a body the SDK lets through but Vercel refuses: statusUrl not http(s) or sso", async () => {
    const result = await deploymentsUpdateIntegrationDeploymentAction(sdk(), {
      deploymentId: "dpl_1",
      integrationConfigurationId: installation.id,
      resourceId: "kv_1",
      action: "branch",
      requestBody: { status: "running", statusUrl: "ftp://acme.test" },
    });
    const body = expectRefused(result, 400);
    expect(body.error.message).toContain("statusUrl");
    expect(body.error.fields).toEqual([
      { key: "statusUrl", message: expect.stringMatching(/sso:/) },
    ]);
  });

  it("an extra property on the strict deployment action body", async () => {
    const response = await raw(
      `/v1/deployments/dpl_1/integrations/${installation.id}/resources/kv_1/actions/branch`,
      { method: "PATCH", body: JSON.stringify({ status: "running", progress: 50 }) },
    );
    expect(response.status).toBe(400);
    expect(ErrorBody.parse(await response.json()).error.fields).toEqual([
      { key: "progress", message: "is not allowed" },
    ]);
  });

  it("a missing field deep in the `{ items }` form of billing", async () => {
    const { total: _total, ...withoutTotal } = item;
    const response = await raw(`/v1/installations/${installation.id}/billing`, {
      method: "POST",
      body: JSON.stringify({
        timestamp: "2026-09-10T12:00:00Z",
        eod: "2026-09-10T00:00:00Z",
        period: { start: "2026-09-01T00:00:00Z", end: "2026-09-30T23:59:59Z" },
        billing: { items: [withoutTotal] },
        usage: [],
      }),
    });
    expect(response.status).toBe(400);
    const body = ErrorBody.parse(await response.json());
    expect(body.error.message).toBe("Invalid request: `billing.items[0].total` is required");
    expect(body.error.fields).toEqual([{ key: "billing.items[0].total", message: "is required" }]);
  });

  it("an eod outside the period, a money total with three decimals, and not JSON at all", async () => {
    const eod = await raw(`/v1/installations/${installation.id}/billing`, {
      method: "POST",
      body: JSON.stringify({
        timestamp: "2026-10-10T12:00:00Z",
        eod: "2026-10-10T00:00:00Z",
        period: { start: "2026-09-01T00:00:00Z", end: "2026-09-30T23:59:59Z" },
        billing: [item],
        usage: [],
      }),
    });
    expect(ErrorBody.parse(await eod.json()).error.fields).toEqual([
      { key: "eod", message: "must fall within period" },
    ]);

    const money = await raw(`/v1/installations/${installation.id}/billing/invoices`, {
      method: "POST",
      body: JSON.stringify({
        invoiceDate: "2026-09-30T00:00:00Z",
        period: { start: "2026-09-01T00:00:00Z", end: "2026-09-30T23:59:59Z" },
        items: [{ ...item, total: "20.001" }],
      }),
    });
    expect(money.status).toBe(400);
    expect(ErrorBody.parse(await money.json()).error.fields?.[0]?.key).toBe("items[0].total");

    const garbage = await raw(`/v1/installations/${installation.id}/events`, {
      method: "POST",
      body: "{not json",
    });
    expect(garbage.status).toBe(400);
  });

  it("a refund larger than the invoice", async () => {
    const { invoiceId } = expectOk(
      await marketplaceSubmitInvoice(sdk(), {
        integrationConfigurationId: installation.id,
        requestBody: { invoiceDate: period.end, period, items: [item] },
      }),
    );
    const result = await marketplaceUpdateInvoice(sdk(), {
      integrationConfigurationId: installation.id,
      invoiceId: invoiceId ?? "",
      requestBody: { action: "refund", reason: "Oops", total: "25.00" },
    });
    expect(expectRefused(result, 400).error.fields).toEqual([
      { key: "total", message: "exceeds the invoice total 20.00" },
    ]);
  });
});

describe("Vercel API fake: fields Vercel's request schemas do not name", () => {
  it("accepts them, but says so in the timeline and the log instead of a silent 204", async () => {
    const warn = vi.fn<(message: string) => void>();
    ({ app, store } = vercelApiRoutes({ state, recorder, warn }));
    const response = await raw(`/v1/installations/${installation.id}`, {
      method: "PATCH",
      body: JSON.stringify({ billingPlanID: "pro", notifcation: { title: "x" }, staus: "ready" }),
    });
    expect(response.status).toBe(204);
    expect(store.installationDetails.get(installation.id)).toEqual({});

    const [call] = recorder.list();
    expect(call?.warnings).toEqual([
      expect.stringContaining("`billingPlanID`, `notifcation`, `staus` ignored"),
    ]);
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]?.[0]).toMatch(
      new RegExp(`^PATCH /v1/installations/${installation.id} \\(204\\): unknown fields`),
    );
  });

  it("names nested keys, and leaves open objects (a billing plan) alone", async () => {
    const warn = vi.fn<(message: string) => void>();
    ({ app } = vercelApiRoutes({ state, recorder, warn }));
    const response = await raw(`/v1/installations/${installation.id}/resources/kv_1`, {
      method: "PATCH",
      body: JSON.stringify({
        billingPlan: { id: "pro", type: "subscription", name: "Pro", tier: "gold" },
        secrets: { secrets: [{ name: "KV_URL", value: "v" }], partail: true },
        notification: { level: "info", title: "t", colour: "red" },
      }),
    });
    expect(response.status).toBe(200);
    expect(recorder.list()[0]?.warnings).toEqual([
      expect.stringContaining("`secrets.partail`, `notification.colour` ignored"),
    ]);

    const clean = await raw(`/v1/installations/${installation.id}/resources/kv_1/secrets`, {
      method: "PUT",
      body: JSON.stringify({ secrets: [{ name: "KV_URL", value: "v" }], partial: true }),
    });
    expect(clean.status).toBe(201);
    expect(recorder.list()[1]?.warnings).toBeUndefined();
    expect(warn).toHaveBeenCalledOnce();
  });
});

describe("Vercel API fake: auth", () => {
  it("401 without a token or with an unknown one", async () => {
    const none = await raw(`/v1/installations/${installation.id}/account`, { token: null });
    expect(none.status).toBe(401);
    const unknown = await marketplaceGetAccountInfo(sdk("vat_forged"), {
      integrationConfigurationId: installation.id,
    });
    expect(expectRefused(unknown, 401).error.code).toBe("unauthorized");
  });

  it("403 with the token of another installation", async () => {
    const result = await marketplaceSubmitBillingData(sdk(OTHER_TOKEN), {
      integrationConfigurationId: installation.id,
      requestBody: { timestamp: new Date(), eod: period.start, period, billing: [], usage: [] },
    });
    expect(expectRefused(result, 403).error.code).toBe("forbidden");
    expect(store.billing.size).toBe(0);
    const action = await deploymentsUpdateIntegrationDeploymentAction(sdk(OTHER_TOKEN), {
      deploymentId: "dpl_1",
      integrationConfigurationId: installation.id,
      resourceId: "kv_1",
      action: "branch",
      requestBody: { status: "running" },
    });
    expectRefused(action, 403);
  });
});

describe("Vercel API fake: fault injection", () => {
  it("429 with Retry-After twice, then the SDK's retry succeeds", async () => {
    faults.add({
      method: "PATCH",
      path: /\/actions\//,
      status: 429,
      retryAfterSeconds: 1,
      times: 2,
    });
    const seen: { status: number; retryAfter: string | null }[] = [];
    responseHooks.push((response) =>
      seen.push({ status: response.status, retryAfter: response.headers.get("retry-after") }),
    );
    const result = await deploymentsUpdateIntegrationDeploymentAction(
      sdk(TOKEN, {
        strategy: "backoff",
        // Retry-After says 1 s; maxInterval caps the wait so the test stays fast.
        backoff: { initialInterval: 1, maxInterval: 20, exponent: 2, maxElapsedTime: 5_000 },
        retryConnectionErrors: false,
      }),
      {
        deploymentId: "dpl_1",
        integrationConfigurationId: installation.id,
        resourceId: "kv_1",
        action: "branch",
        requestBody: { status: "running" },
      },
    );
    expectOk(result);
    expect(seen).toEqual([
      { status: 429, retryAfter: "1" },
      { status: 429, retryAfter: "1" },
      { status: 202, retryAfter: null },
    ]);
    expect(faults.pending()).toEqual([]);
    expect(recorder.list().map((call) => call.status)).toEqual([429, 429, 202]);
  });

  it("500 once, then served; a delay slows calls until cleared", async () => {
    faults.add({ path: "/billing/balance", status: 500, times: 1 });
    const submit = () =>
      marketplaceSubmitPrepaymentBalances(sdk(), {
        integrationConfigurationId: installation.id,
        requestBody: { timestamp: new Date(), balances: [{ currencyValueInCents: 1 }] },
      });
    expectRefused(await submit(), 500);
    expectOk(await submit());

    faults.add({ delayMs: 60 });
    const started = performance.now();
    expectOk(
      await marketplaceGetAccountInfo(sdk(), { integrationConfigurationId: installation.id }),
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(faults.pending()).toMatchObject([{ delayMs: 60, remaining: null }]);
    faults.clear();
  });

  it("can be programmed over HTTP for a scenario", async () => {
    const programmed = await app.request("/__emulator/faults", {
      method: "POST",
      body: JSON.stringify({ method: "POST", path: "/events", status: 503, times: 1 }),
    });
    expect(programmed.status).toBe(201);
    const refused = await marketplaceCreateEvent(sdk(), {
      integrationConfigurationId: installation.id,
      requestBody: { event: { type: "installation.updated" } },
    });
    expectRefused(refused, 503);
    const bad = await app.request("/__emulator/faults", {
      method: "POST",
      body: JSON.stringify({ status: 42 }),
    });
    expect(bad.status).toBe(400);
  });
});

describe("Vercel API fake: recorder and inspector", () => {
  it("records every call as partner→vercel with secrets masked", async () => {
    await marketplaceUpdateResourceSecretsById(sdk(), {
      integrationConfigurationId: installation.id,
      resourceId: "kv_1",
      requestBody: { secrets: [{ name: "KV_URL", value: "redis://top-secret" }] },
    });
    await deploymentsUpdateIntegrationDeploymentAction(sdk(), {
      deploymentId: "dpl_1",
      integrationConfigurationId: installation.id,
      resourceId: "kv_1",
      action: "branch",
      requestBody: {
        status: "succeeded",
        outcomes: [{ kind: "resource-secrets", secrets: [{ name: "KV_URL", value: "redis://b" }] }],
      },
    });
    await marketplaceGetAccountInfo(sdk("vat_forged"), {
      integrationConfigurationId: installation.id,
    });

    const calls = recorder.list({ direction: "partner→vercel" });
    expect(
      calls.map(({ method, status, installationId }) => [method, status, installationId]),
    ).toEqual([
      ["PUT", 201, installation.id],
      ["PATCH", 202, installation.id],
      ["GET", 401, installation.id],
    ]);
    expect(calls[0]?.url).toBe(`${API}/v1/installations/${installation.id}/resources/kv_1/secrets`);
    expect(calls[0]?.requestBody).toEqual({ secrets: [{ name: "KV_URL", value: MASK }] });
    expect(calls[1]?.requestBody).toMatchObject({
      outcomes: [{ secrets: [{ name: "KV_URL", value: MASK }] }],
    });
    const timeline = JSON.stringify(calls);
    expect(timeline).not.toContain("top-secret");
    expect(timeline).not.toContain(TOKEN);

    const inspector = await app.request(
      `/__emulator/vercel-api/calls?installationId=${installation.id}`,
    );
    expect(((await inspector.json()) as { calls: unknown[] }).calls).toHaveLength(3);
    const snapshot = await (await app.request("/__emulator/vercel-api/state")).text();
    expect(snapshot).toContain("resource-secrets");
    expect(snapshot).not.toContain("redis://b");
  });
});
