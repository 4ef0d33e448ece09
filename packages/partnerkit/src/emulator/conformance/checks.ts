import { randomBytes } from "node:crypto";
import { PlansResponse } from "../../protocol/common.ts";
import { ProvisionResourceResponse, Resource } from "../../protocol/resources.ts";
import { MarketplaceIssuer } from "../issuer.ts";
import { type PartnerCall, PartnerCallError } from "../partner-client.ts";
import {
  type Check,
  type ConformanceState,
  type ConformanceTarget,
  described,
  exchange,
  expectAnswer,
  expectRefusal,
  fail,
  installOn,
  pass,
  skip,
  warn,
} from "./check.ts";
import { ACTION_CHECKS } from "./checks-actions.ts";
import { BILLING_CHECKS } from "./checks-billing.ts";
import { CHECK_RUN_CHECKS } from "./checks-check-runs.ts";
import { FLAGS_CHECKS } from "./checks-flags.ts";
import { RESOURCE_EXTRA_CHECKS } from "./checks-resources-extra.ts";
import { WEBHOOK_CHECKS } from "./checks-webhooks.ts";

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Statuses Vercel takes as a provisioned resource: the docs say 200, their example answers 201 (§4.5). */
const PROVISIONED = [200, 201];

const isSuccess = (status: number) => status >= 200 && status < 300;

function resourcePath(state: ConformanceState): string {
  return `/v1/installations/${state.installationId}/resources`;
}

function provisionBody(
  target: ConformanceTarget,
  state: ConformanceState,
  metadata = target.metadata,
) {
  return {
    productId: target.productId,
    name: "conformance",
    metadata,
    billingPlanId: state.planId ?? "",
  };
}

/** The `id` of a provisioned resource, even when the rest of the body is off. */
function resourceIdOf(body: unknown): string | undefined {
  const id = (body as { id?: unknown } | undefined)?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** Sends a call carrying `token` as it is (the checks of spec §2.4). */
function withToken(target: ConformanceTarget, state: ConformanceState, token: string) {
  return exchange(target, {
    method: "GET",
    path: `${resourcePath(state)}/${state.resourceId ?? "unknown"}`,
    auth: "none",
    installationId: state.installationId,
    headers: { authorization: `Bearer ${token}`, "x-vercel-auth": "system" },
  });
}

/** A check that one call is refused, preferably with one of `statuses`, with the error body. */
function refuses(
  check: Omit<Check, "run">,
  statuses: number[],
  call: (target: ConformanceTarget, state: ConformanceState) => PartnerCall,
): Check {
  return {
    ...check,
    async run(target, state) {
      return expectRefusal(await exchange(target, call(target, state)), statuses);
    },
  };
}

function rejectsToken(
  id: string,
  title: string,
  token: (t: ConformanceTarget, s: ConformanceState) => Promise<string>,
): Check {
  return {
    id,
    section: "§2.4",
    title,
    async run(target, state) {
      return expectRefusal(await withToken(target, state, await token(target, state)), [401, 403]);
    },
  };
}

const systemClaims = (state: ConformanceState) => ({
  installationId: state.installationId,
  accountId: state.accountId,
});
/** Call options of an ADMIN user, or of Vercel's system, of the conformance installation. */
const asUser = (state: ConformanceState) => ({ auth: "user" as const, ...systemClaims(state) });
const asSystem = (state: ConformanceState) => ({ auth: "system" as const, ...systemClaims(state) });

export const CHECKS: Check[] = [
  {
    id: "install",
    section: "§4.2",
    title: "Upsert Installation with a user token answers 200 or 204",
    async run(target, state) {
      try {
        const installation = await installOn(target, state.installationId, state.accountId);
        // An emulator in another process installs as its own team.
        state.accountId = installation.accountId;
        return pass();
      } catch (error) {
        if (!(error instanceof PartnerCallError)) throw error;
        return fail(
          `sent PUT /v1/installations/${state.installationId} (user token) → ${error.message}`,
        );
      }
    },
  },
  {
    id: "product-plans",
    section: "§4.12",
    title: "Product plans answer before any installation (system token without installation)",
    async run(target, state) {
      const query = new URLSearchParams({ metadata: JSON.stringify(target.metadata) });
      const done = await exchange(target, {
        method: "GET",
        path: `/v1/products/${encodeURIComponent(target.productId)}/plans?${query}`,
        auth: "system",
        installationId: null,
        accountId: null,
      });
      if (done.answer.status !== 200) return fail(`${described(done)}; expected 200`);
      const plans = PlansResponse.safeParse(done.answer.body);
      if (!plans.success)
        return fail(
          `${described(done)}; not { plans: BillingPlan[] }: ${plans.error.issues[0]?.message}`,
        );
      const chosen =
        plans.data.plans.find((plan) => plan.id === target.billingPlanId) ??
        plans.data.plans.find((plan) => !plan.disabled);
      if (!chosen) return fail(`${described(done)}; no selectable plan`);
      state.planId = chosen.id;
      return pass(`${plans.data.plans.length} plans`);
    },
  },
  {
    id: "provision",
    section: "§4.5",
    title: "Provision Resource answers 200 (or 201) with the resource and its secrets",
    async run(target, state) {
      const done = await exchange(target, {
        method: "POST",
        path: resourcePath(state),
        ...asUser(state),
        idempotencyKey: `conf_${randomBytes(6).toString("hex")}`,
        body: provisionBody(target, state),
      });
      if (!PROVISIONED.includes(done.answer.status))
        return fail(`${described(done)}; expected 200 or 201`);
      // Later checks can use the resource as long as it has an id.
      state.resourceId = resourceIdOf(done.answer.body);
      const resource = ProvisionResourceResponse.safeParse(done.answer.body);
      if (!resource.success) {
        const issue = resource.error.issues[0];
        return fail(
          `${described(done)}; body does not match the spec at ${issue?.path.join(".")}: ${issue?.message}`,
        );
      }
      const summary = `${resource.data.status}, ${resource.data.secrets.length} secrets`;
      return done.answer.status === 201
        ? warn(`${summary}; answered 201 (Vercel accepts it, the docs say 200)`)
        : pass(summary);
    },
  },
  {
    id: "get-resource",
    section: "§4.6",
    title: "Get Resource answers 200 with the resource and no secrets",
    async run(target, state) {
      if (!state.resourceId) return skip("no resource id came back from Provision Resource");
      const done = await exchange(target, {
        method: "GET",
        path: `${resourcePath(state)}/${state.resourceId}`,
        ...asSystem(state),
      });
      if (done.answer.status !== 200) return fail(`${described(done)}; expected 200`);
      const resource = Resource.safeParse(done.answer.body);
      if (!resource.success) {
        const issue = resource.error.issues[0];
        return fail(
          `${described(done)}; body does not match the spec at ${issue?.path.join(".")}: ${issue?.message}`,
        );
      }
      return JSON.stringify(done.answer.body).includes('"secrets"')
        ? warn("the body carries secrets: only Provision Resource returns them")
        : pass();
    },
  },
  refuses(
    {
      id: "unknown-resource",
      section: "§4.6",
      title: "An unknown resource is a 404 with the error body",
    },
    // 404 is UNCONFIRMED (§4.6): another 4xx is a WARN.
    [404],
    (_target, state) => ({
      method: "GET",
      path: `${resourcePath(state)}/res_conformance_missing`,
      ...asSystem(state),
    }),
  ),
  {
    id: "idempotent-replay",
    section: "§3.1",
    title: "A repeated Idempotency-Key replays the first answer instead of provisioning again",
    async run(target, state) {
      const key = `conf_${randomBytes(6).toString("hex")}`;
      const call = {
        method: "POST",
        path: resourcePath(state),
        ...asUser(state),
        idempotencyKey: key,
        body: provisionBody(target, state),
      };
      const first = await exchange(target, call);
      if (!PROVISIONED.includes(first.answer.status))
        return skip(`the first call did not provision (${described(first)})`);
      const second = await exchange(target, call);
      const ids = [first, second].map((done) => resourceIdOf(done.answer.body));
      if (PROVISIONED.includes(second.answer.status) && ids[0] !== ids[1])
        return fail(
          `the same Idempotency-Key ${key} created two resources: ${described(first)}, then ${described(second)}`,
        );
      if (second.answer.status !== first.answer.status)
        return warn(
          `the repeat answered ${second.answer.status}, the first ${first.answer.status}; no second resource`,
        );
      return pass();
    },
  },
  {
    id: "invalid-metadata",
    section: "§4.5",
    title: "Metadata the product refuses is a 400 whose fields name the keys",
    async run(target, state) {
      if (!target.invalidMetadata)
        return skip(
          "no metadata the product refuses: its metadata schema has no constraint to break (no options, range, steps, type or required key), and no --invalid-metadata was given",
        );
      const done = await exchange(target, {
        method: "POST",
        path: resourcePath(state),
        ...asUser(state),
        body: provisionBody(target, state, target.invalidMetadata),
      });
      const outcome = expectRefusal(done, [400]);
      if (outcome.status !== "pass") return outcome;
      const fields = (done.answer.body as { error: { fields?: { key: string }[] } }).error.fields;
      return fields && fields.length > 0
        ? pass(fields.map((field) => field.key).join(", "))
        : warn(
            "400 without error.fields naming the metadata keys (§3.3): the form cannot point at them",
          );
    },
  },
  refuses(
    {
      id: "malformed-json",
      section: "§3.3",
      title: "A malformed JSON body is a 400 with the error body, not a 5xx",
    },
    [400],
    (_target, state) => ({
      method: "POST",
      path: resourcePath(state),
      ...asUser(state),
      body: "{not json",
    }),
  ),
  refuses(
    { id: "no-token", section: "§2.4", title: "A call without a bearer token is refused" },
    [401],
    (_target, state) => ({
      method: "GET",
      path: `${resourcePath(state)}/${state.resourceId ?? "unknown"}`,
      auth: "none",
    }),
  ),
  rejectsToken(
    "wrong-audience",
    "A token for another integration (aud) is refused",
    (target, state) =>
      target.issuer.systemToken(systemClaims(state), { audience: "oac_someone_else" }),
  ),
  rejectsToken("wrong-issuer", "A token from another issuer (iss) is refused", (target, state) =>
    target.issuer.systemToken(systemClaims(state), { issuer: "https://evil.example" }),
  ),
  rejectsToken("expired", "An expired token is refused", (target, state) =>
    target.issuer.systemToken(systemClaims(state), { expiresInSeconds: -600 }),
  ),
  rejectsToken(
    "forged-key",
    "A token signed by another key under the trusted kid is refused",
    async (target, state) => {
      const forger = await MarketplaceIssuer.create({
        ...target.issuer.options,
        keyFile: undefined,
      });
      return forger.systemToken(systemClaims(state));
    },
  ),
  rejectsToken("alg-none", "An unsigned token (alg none) is refused", async (target, state) => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: target.issuer.issuer,
      aud: target.issuer.options.audience,
      sub: `account:${state.accountId}`,
      account_id: state.accountId,
      installation_id: state.installationId,
      iat: now,
      exp: now + 300,
    };
    return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(payload)}.`;
  }),
  {
    id: "other-installation",
    section: "§2.4",
    title: "A token for one installation cannot act on another installation's path",
    async run(target, state) {
      const token = await target.issuer.systemToken({
        installationId: "icfg_conformance_other",
        accountId: state.accountId,
      });
      return expectRefusal(await withToken(target, state, token), [403, 401, 404]);
    },
  },
  refuses(
    { id: "viewer-write", section: "§2.4", title: "A read-only USER member cannot provision" },
    [403],
    (target, state) => ({
      method: "POST",
      path: resourcePath(state),
      ...asUser(state),
      role: "USER",
      body: provisionBody(target, state),
    }),
  ),
  refuses(
    {
      id: "system-upsert",
      section: "§2.5",
      title: "Upsert Installation refuses a system token (user auth only)",
    },
    [401, 403],
    (_target, state) => ({
      method: "PUT",
      path: `/v1/installations/${state.installationId}`,
      ...asSystem(state),
      body: {
        scopes: ["read-write:integration-resource"],
        acceptedPolicies: {},
        credentials: { access_token: "stolen", token_type: "Bearer" },
        account: { url: "https://vercel.com/x", contact: { email: "x@example.com" } },
      },
    }),
  ),
  ...WEBHOOK_CHECKS,
  ...ACTION_CHECKS,
  ...CHECK_RUN_CHECKS,
  ...FLAGS_CHECKS,
  {
    id: "delete-resource",
    section: "§4.8",
    title: "Delete Resource answers 204, and 204 again when repeated",
    async run(target, state) {
      if (!state.resourceId) return skip("no resource id came back from Provision Resource");
      const call = {
        method: "DELETE",
        path: `${resourcePath(state)}/${state.resourceId}`,
        ...asUser(state),
      };
      const first = await exchange(target, call);
      if (!isSuccess(first.answer.status)) return fail(`${described(first)}; expected 204`);
      const second = await exchange(target, call);
      const remarks = [
        first.answer.status === 204
          ? undefined
          : `answered ${first.answer.status}, the spec says 204`,
        second.answer.status === 204
          ? undefined
          : `a repeated delete answered ${second.answer.status}, the spec asks for 204 again`,
      ].filter((remark) => remark !== undefined);
      if (!isSuccess(second.answer.status) && second.answer.status !== 404)
        return fail(`a repeated delete: ${described(second)}; expected 204`);
      return remarks.length > 0 ? warn(remarks.join("; ")) : pass();
    },
  },
  {
    id: "uninstall",
    section: "§4.4",
    title: "Delete Installation answers 200 ({ finalized? }) or 204",
    async run(target, state) {
      return expectAnswer(
        await exchange(target, {
          method: "DELETE",
          path: `/v1/installations/${state.installationId}`,
          ...asUser(state),
          body: { cascadeResourceDeletion: true, reason: "conformance" },
        }),
        [200, 204],
      );
    },
  },
  ...BILLING_CHECKS,
  ...RESOURCE_EXTRA_CHECKS,
];
