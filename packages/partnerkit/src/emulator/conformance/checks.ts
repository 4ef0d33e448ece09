import { randomBytes } from "node:crypto";
import { signWebhookPayload } from "../../auth/webhook-signature.ts";
import { PlansResponse } from "../../protocol/common.ts";
import { ProvisionResourceResponse, Resource } from "../../protocol/resources.ts";
import { MarketplaceIssuer } from "../issuer.ts";
import { PartnerCallError } from "../partner-client.ts";
import {
  type Check,
  type ConformanceState,
  type ConformanceTarget,
  expectAnswer,
  fail,
  isErrorBody,
  pass,
  skip,
} from "./check.ts";
import { ACTION_CHECKS } from "./checks-actions.ts";
import { BILLING_CHECKS } from "./checks-billing.ts";
import { RESOURCE_EXTRA_CHECKS } from "./checks-resources-extra.ts";

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

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

/** Sends a call carrying `token` as it is (the checks of spec §2.4). */
async function withToken(
  target: ConformanceTarget,
  state: ConformanceState,
  token: string,
  authType: string,
) {
  return target.partner.send({
    method: "GET",
    path: `/v1/installations/${state.installationId}/resources/${state.resourceId ?? "unknown"}`,
    auth: "none",
    installationId: state.installationId,
    headers: { authorization: `Bearer ${token}`, "x-vercel-auth": authType },
  });
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
      const answer = await withToken(target, state, await token(target, state), "system");
      return expectAnswer(answer, [401, 403], title);
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
        await target.partner.install({
          installationId: state.installationId,
          accountId: state.accountId,
        });
        return pass();
      } catch (error) {
        return fail(error instanceof PartnerCallError ? error.message : String(error));
      }
    },
  },
  {
    id: "product-plans",
    section: "§4.12",
    title: "Product plans answer before any installation (system token without installation)",
    async run(target, state) {
      const query = new URLSearchParams({ metadata: JSON.stringify(target.metadata) });
      const answer = await target.partner.send({
        method: "GET",
        path: `/v1/products/${encodeURIComponent(target.productId)}/plans?${query}`,
        auth: "system",
        installationId: null,
        accountId: null,
      });
      if (answer.status !== 200) return fail(`answered ${answer.status}`);
      const plans = PlansResponse.safeParse(answer.body);
      if (!plans.success)
        return fail(`body is not { plans: BillingPlan[] }: ${plans.error.issues[0]?.message}`);
      const chosen =
        plans.data.plans.find((plan) => plan.id === target.billingPlanId) ??
        plans.data.plans.find((plan) => !plan.disabled);
      if (!chosen) return fail("no selectable plan");
      state.planId = chosen.id;
      return pass(`${plans.data.plans.length} plans`);
    },
  },
  {
    id: "provision",
    section: "§4.5",
    title: "Provision Resource answers 200 with the resource and its secrets",
    async run(target, state) {
      const answer = await target.partner.send({
        method: "POST",
        path: resourcePath(state),
        ...asUser(state),
        idempotencyKey: `conf_${randomBytes(6).toString("hex")}`,
        body: provisionBody(target, state),
      });
      if (answer.status !== 200)
        return fail(
          `answered ${answer.status}${answer.status === 201 ? " (the docs say 200)" : ""}`,
        );
      const resource = ProvisionResourceResponse.safeParse(answer.body);
      if (!resource.success)
        return fail(`body does not match the spec: ${resource.error.issues[0]?.path.join(".")}`);
      state.resourceId = resource.data.id;
      return pass(`${resource.data.status}, ${resource.data.secrets.length} secrets`);
    },
  },
  {
    id: "get-resource",
    section: "§4.6",
    title: "Get Resource answers 200 with the resource and no secrets",
    async run(target, state) {
      if (!state.resourceId) return skip("no resource was provisioned");
      const answer = await target.partner.send({
        method: "GET",
        path: `${resourcePath(state)}/${state.resourceId}`,
        ...asSystem(state),
      });
      if (answer.status !== 200) return fail(`answered ${answer.status}`);
      if (JSON.stringify(answer.body).includes('"secrets"'))
        return fail("the body carries secrets");
      const resource = Resource.safeParse(answer.body);
      return resource.success
        ? pass()
        : fail(`body does not match the spec: ${resource.error.issues[0]?.path.join(".")}`);
    },
  },
  {
    id: "unknown-resource",
    section: "§3.3",
    title: "An unknown resource is a 404 with the error body",
    async run(target, state) {
      const answer = await target.partner.send({
        method: "GET",
        path: `${resourcePath(state)}/res_conformance_missing`,
        ...asSystem(state),
      });
      return expectAnswer(answer, [404], "unknown resource");
    },
  },
  {
    id: "idempotent-replay",
    section: "§3.1",
    title: "A repeated Idempotency-Key replays the first answer instead of provisioning again",
    async run(target, state) {
      const call = {
        method: "POST",
        path: resourcePath(state),
        ...asUser(state),
        idempotencyKey: `conf_${randomBytes(6).toString("hex")}`,
        body: provisionBody(target, state),
      };
      const first = await target.partner.send(call);
      const second = await target.partner.send(call);
      if (first.status !== 200) return fail(`first call answered ${first.status}`);
      if (second.status !== first.status)
        return fail(`repeat answered ${second.status}, first ${first.status}`);
      const ids = [first.body, second.body].map((body) => (body as { id?: unknown }).id);
      return ids[0] === ids[1]
        ? pass()
        : fail(`the repeat created another resource (${ids.join(" ≠ ")})`);
    },
  },
  {
    id: "invalid-metadata",
    section: "§3.3",
    title: "Metadata the product refuses is a 400 whose fields name the keys",
    async run(target, state) {
      const answer = await target.partner.send({
        method: "POST",
        path: resourcePath(state),
        ...asUser(state),
        body: provisionBody(target, state, target.invalidMetadata),
      });
      const outcome = expectAnswer(answer, [400], "invalid metadata");
      if (outcome.status !== "pass") return outcome;
      const fields = (answer.body as { error: { fields?: { key: string }[] } }).error.fields;
      return fields && fields.length > 0
        ? pass(fields.map((field) => field.key).join(", "))
        : fail("no fields in the error body");
    },
  },
  {
    id: "malformed-json",
    section: "§3.3",
    title: "A malformed JSON body is a 400 with the error body, not a 5xx",
    async run(target, state) {
      const answer = await target.partner.send({
        method: "POST",
        path: resourcePath(state),
        ...asUser(state),
        body: "{not json",
      });
      return expectAnswer(answer, [400], "malformed JSON");
    },
  },
  {
    id: "no-token",
    section: "§2.4",
    title: "A call without a bearer token is refused with 401",
    async run(target, state) {
      const answer = await target.partner.send({
        method: "GET",
        path: `${resourcePath(state)}/${state.resourceId ?? "unknown"}`,
        auth: "none",
      });
      return expectAnswer(answer, [401], "no token");
    },
  },
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
      return expectAnswer(
        await withToken(target, state, token, "system"),
        [403, 401, 404],
        "installation binding",
      );
    },
  },
  {
    id: "viewer-write",
    section: "§2.4",
    title: "A read-only USER member cannot provision (403)",
    async run(target, state) {
      const answer = await target.partner.send({
        method: "POST",
        path: resourcePath(state),
        ...asUser(state),
        role: "USER",
        body: provisionBody(target, state),
      });
      return expectAnswer(answer, [403], "USER role provisioning");
    },
  },
  {
    id: "system-upsert",
    section: "§2.5",
    title: "Upsert Installation refuses a system token (user auth only)",
    async run(target, state) {
      const answer = await target.partner.send({
        method: "PUT",
        path: `/v1/installations/${state.installationId}`,
        ...asSystem(state),
        body: {
          scopes: ["read-write:integration-resource"],
          acceptedPolicies: {},
          credentials: { access_token: "stolen", token_type: "Bearer" },
          account: { url: "https://vercel.com/x", contact: { email: "x@example.com" } },
        },
      });
      return expectAnswer(answer, [401, 403], "system token on upsert");
    },
  },
  {
    id: "webhook-signature",
    section: "§6.2",
    title:
      "A webhook with a wrong signature is refused with 401/403, a signed one accepted, a duplicate acknowledged",
    async run(target, state) {
      if (!target.webhook) return skip("no --webhook-url given");
      const { url, secret, fetch } = target.webhook;
      const body = JSON.stringify({
        id: `evt_conformance_${randomBytes(6).toString("hex")}`,
        type: "marketplace.member.changed",
        createdAt: Date.now(),
        region: null,
        payload: {
          installationId: state.installationId,
          memberId: "user_conformance",
          role: "USER",
        },
      });
      const post = (signature: string) =>
        fetch(
          new Request(url, {
            method: "POST",
            headers: { "content-type": "application/json", "x-vercel-signature": signature },
            body,
          }),
        );
      const forged = await post(signWebhookPayload(body, "not-the-client-secret"));
      if (forged.status !== 401 && forged.status !== 403)
        return fail(`a forged signature answered ${forged.status}`);
      if (!isErrorBody(await forged.json().catch(() => undefined)))
        return fail("the refusal has no error body");
      const signed = await post(signWebhookPayload(body, secret));
      if (signed.status < 200 || signed.status >= 300)
        return fail(`a signed delivery answered ${signed.status}`);
      const duplicate = await post(signWebhookPayload(body, secret));
      if (duplicate.status < 200 || duplicate.status >= 300)
        return fail(`a duplicate delivery answered ${duplicate.status}`);
      return pass();
    },
  },
  ...ACTION_CHECKS,
  {
    id: "delete-resource",
    section: "§4.8",
    title: "Delete Resource answers 204, and 204 again when repeated",
    async run(target, state) {
      if (!state.resourceId) return skip("no resource was provisioned");
      const call = {
        method: "DELETE",
        path: `${resourcePath(state)}/${state.resourceId}`,
        ...asUser(state),
      };
      const first = await target.partner.send(call);
      const second = await target.partner.send(call);
      if (first.status !== 204) return fail(`answered ${first.status}`);
      return second.status === 204 ? pass() : fail(`a repeated delete answered ${second.status}`);
    },
  },
  {
    id: "uninstall",
    section: "§4.4",
    title: "Delete Installation answers 200 ({ finalized? }) or 204",
    async run(target, state) {
      const answer = await target.partner.send({
        method: "DELETE",
        path: `/v1/installations/${state.installationId}`,
        ...asUser(state),
        body: { cascadeResourceDeletion: true, reason: "conformance" },
      });
      return expectAnswer(answer, [200, 204], "uninstall");
    },
  },
  ...BILLING_CHECKS,
  ...RESOURCE_EXTRA_CHECKS,
];
