import { randomBytes } from "node:crypto";
import { ProvisionPurchaseResponse } from "../../protocol/billing.ts";
import { PlansResponse } from "../../protocol/common.ts";
import type { VercelInvoiceState } from "../../protocol/vercel-api.ts";
import type { VercelApiState } from "../vercel-api/store.ts";
import {
  type Check,
  type ConformanceState,
  type ConformanceTarget,
  described,
  type Exchange,
  expectRefusal,
  fail,
  installOn,
  pass,
  skip,
} from "./check.ts";
import type { CheckOutcome } from "./report.ts";

/** A second installation with a resource on a prepayment plan, made by the first billing check. */
interface BillingSetup {
  installationId: string;
  resourceId: string;
  planId: string;
}

const setups = new WeakMap<ConformanceState, BillingSetup | string>();

const CREDIT = "12.34";
const CREDIT_CENTS = 1234;

/** The setup, or why the billing checks cannot run. */
function setupOf(target: ConformanceTarget, state: ConformanceState): BillingSetup | string {
  if (!target.emulator?.vercelApi.store)
    return (
      target.emulatorMissing ?? "needs the emulator's Vercel API (the partner's VERCEL_API_URL)"
    );
  return setups.get(state) ?? "no billing setup";
}

function paidCreditInvoice(
  vercelApi: VercelApiState,
  setup: BillingSetup,
  state: VercelInvoiceState = "paid",
) {
  return vercelApi.issueInvoice(
    setup.installationId,
    [
      {
        billingPlanId: setup.planId,
        resourceId: setup.resourceId,
        name: "Prepaid credit",
        price: CREDIT,
        quantity: 1,
        units: "credit",
        total: CREDIT,
      },
    ],
    state,
  );
}

/** Provision Purchase of `invoiceId` (system token), with what was sent. */
async function purchase(
  target: ConformanceTarget,
  setup: BillingSetup,
  invoiceId: string,
): Promise<Exchange> {
  return {
    sent: `POST /v1/installations/${setup.installationId}/billing/provision (invoice ${invoiceId})`,
    answer: await target.partner.provisionPurchase(setup.installationId, invoiceId, "system"),
  };
}

/** The resource's balance in cents from a 200 answer, or what was wrong with the answer. */
function balanceOf(done: Exchange, setup: BillingSetup): number | string {
  if (done.answer.status !== 200) return `${described(done)}; expected 200`;
  const body = ProvisionPurchaseResponse.safeParse(done.answer.body);
  if (!body.success)
    return `${described(done)}; not { timestamp, balances }: ${body.error.issues[0]?.message}`;
  const balance = body.data.balances.find((candidate) => candidate.resourceId === setup.resourceId);
  return balance
    ? balance.currencyValueInCents
    : `${described(done)}; no balance for the credited resource`;
}

function withSetup(
  id: string,
  title: string,
  run: (
    target: ConformanceTarget,
    setup: BillingSetup,
    vercelApi: VercelApiState,
  ) => Promise<CheckOutcome>,
): Check {
  return {
    id,
    section: "§4.15",
    title,
    async run(target, state) {
      const setup = setupOf(target, state);
      if (typeof setup === "string" || !target.emulator?.vercelApi.store)
        return skip(String(setup));
      return run(target, setup, target.emulator?.vercelApi.store);
    },
  };
}

/** Provision Purchase (spec §4.15): a paid invoice credits once, however often it is presented. */
export const BILLING_CHECKS: Check[] = [
  {
    id: "billing-setup",
    section: "§4.15",
    title: "A resource on a prepayment plan, in an installation of its own",
    async run(target, state) {
      if (!target.emulator?.vercelApi.store) return skip(String(setupOf(target, state)));
      const query = new URLSearchParams({ metadata: JSON.stringify(target.metadata) });
      const plans = PlansResponse.safeParse(
        (
          await target.partner.send({
            method: "GET",
            path: `/v1/products/${encodeURIComponent(target.productId)}/plans?${query}`,
            auth: "system",
            installationId: null,
            accountId: null,
          })
        ).body,
      );
      const plan = plans.success
        ? plans.data.plans.find(
            (candidate) => candidate.type === "prepayment" && !candidate.disabled,
          )
        : undefined;
      if (!plan) {
        setups.set(state, "the product offers no prepayment plan (Provision Purchase is optional)");
        return skip("no prepayment plan");
      }
      const installationId = `${state.installationId}_billing_${randomBytes(3).toString("hex")}`;
      await installOn(target, installationId, state.accountId);
      const resource = await target.partner.provision(installationId, {
        productId: target.productId,
        name: "conformance-credits",
        metadata: target.metadata,
        billingPlanId: plan.id,
      });
      setups.set(state, {
        installationId,
        resourceId: resource.id,
        planId: plan.id,
      });
      return pass(plan.id);
    },
  },
  withSetup(
    "purchase-paid",
    "A paid credit invoice is credited and the balances answered",
    async (target, setup, vercelApi) => {
      const invoice = paidCreditInvoice(vercelApi, setup);
      const balance = balanceOf(await purchase(target, setup, invoice.invoiceId), setup);
      if (typeof balance === "string") return fail(balance);
      return balance >= CREDIT_CENTS
        ? pass(`${balance} cents`)
        : fail(`a paid invoice of ${CREDIT_CENTS} cents left the balance at ${balance} cents`);
    },
  ),
  withSetup(
    "purchase-dedupe",
    "The same invoiceId again, and three times at once, credits once",
    async (target, setup, vercelApi) => {
      const invoice = paidCreditInvoice(vercelApi, setup);
      const first = balanceOf(await purchase(target, setup, invoice.invoiceId), setup);
      if (typeof first === "string") return fail(first);
      const again = await Promise.all(
        [1, 2, 3].map(() => purchase(target, setup, invoice.invoiceId)),
      );
      for (const answer of again) {
        const balance = balanceOf(answer, setup);
        if (typeof balance === "string") return fail(balance);
        if (balance !== first)
          return fail(
            `invoice ${invoice.invoiceId} presented again was credited again: ${first} then ${balance} cents`,
          );
      }
      return pass(`${first} cents`);
    },
  ),
  withSetup(
    "purchase-unpaid",
    "An invoice that is not paid is refused with an error body",
    async (target, setup, vercelApi) => {
      const invoice = paidCreditInvoice(vercelApi, setup, "notpaid");
      return expectRefusal(await purchase(target, setup, invoice.invoiceId), [400, 409, 422]);
    },
  ),
];
