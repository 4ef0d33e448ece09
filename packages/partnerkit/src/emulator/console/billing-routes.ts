import { Hono } from "hono";
import { z } from "zod";
import { MoneyString } from "../../protocol/money.ts";
import { ANNOUNCED_INVOICE_STATES, type BillingDriver } from "../billing-driver.ts";
import type { EmulatorState } from "../state.ts";
import type { VercelApiState } from "../vercel-api/store.ts";
import { billingIndexPage, billingPage, type KnownBalances } from "./billing-pages.ts";
import { errorBox, page } from "./layout.ts";
import { answerBody } from "./partner-answer.ts";

const ClosedPeriod = z.object({ closed: z.object({ start: z.string() }) });
/** How long closing a period waits for the partner's invoice jobs before showing the page. */
const INVOICE_WAIT_MS = 10_000;

const monthOf = (instant: string) =>
  new Date(instant).toLocaleString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

export interface BillingConsoleOptions {
  state: EmulatorState;
  store: VercelApiState;
  driver: BillingDriver;
}

/** The console's billing views: usage chart, invoices with their state buttons, balances. */
export function billingConsoleRoutes({ state, store, driver }: BillingConsoleOptions): Hono {
  const routes = new Hono();
  // The balances a Provision Purchase answered: shown until the partner submits newer ones.
  const purchased = new Map<string, KnownBalances>();
  const knownBalances = (installationId: string): KnownBalances | undefined => {
    const submitted = store.balances.get(installationId);
    const bought = purchased.get(installationId);
    if (submitted && (!bought || Date.parse(submitted.at) >= Date.parse(bought.timestamp))) {
      return { timestamp: submitted.timestamp, balances: submitted.balances, source: "submitted" };
    }
    return bought;
  };

  const invoicesOf = (installationId: string) =>
    [...store.invoices.values()].filter((stored) => stored.installationId === installationId);

  routes.get("/billing", (c) =>
    page(c, "Billing", billingIndexPage([...state.installations.values()])),
  );

  routes.get("/installations/:id/billing", (c) => {
    const installation = state.installations.get(c.req.param("id"));
    if (!installation) return page(c, "Not found", errorBox("No such installation"), 404);
    return page(
      c,
      `Billing of ${installation.id}`,
      billingPage({
        installation,
        resources: state.resourcesOf(installation.id),
        history: store.billingHistory.get(installation.id) ?? [],
        invoices: invoicesOf(installation.id),
        balances: knownBalances(installation.id),
        notice: c.req.query("notice"),
        resourceName: (id) => state.resources.get(id)?.name ?? id,
      }),
    );
  });

  routes.post("/installations/:id/billing/invoices/:invoiceId/state", async (c) => {
    const { id, invoiceId } = c.req.param();
    const form = await c.req.parseBody();
    const target = ANNOUNCED_INVOICE_STATES.find((candidate) => candidate === form.state);
    const stored = store.invoice(id, invoiceId);
    if (!target || !stored) {
      return page(c, "Not changed", errorBox("Unknown invoice or state"), 400);
    }
    const { delivery } = await driver.moveInvoice(invoiceId, target);
    const notice = `Invoice ${invoiceId} is ${target}; the webhook was ${
      delivery.delivered ? "delivered" : "not delivered"
    } (${delivery.attempts.map((attempt) => attempt.status).join(", ")}).`;
    return c.redirect(`/installations/${id}/billing?${new URLSearchParams({ notice })}`, 303);
  });

  routes.post("/installations/:id/billing/close-period", async (c) => {
    const id = c.req.param("id");
    if (!state.installations.has(id))
      return page(c, "Not found", errorBox("No such installation"), 404);
    const before = invoicesOf(id).length;
    const answer = await driver.closePeriod(id);
    if (answer.status !== 200) {
      const why =
        answer.status === 404
          ? "The partner does not offer closing a period on demand (a server run by partnerkit dev does); it invoices once a period has ended."
          : `The partner answered ${answer.status}.`;
      return page(c, "Period not closed", errorBox(why, answerBody(answer.body)), 400);
    }
    const closed = ClosedPeriod.safeParse(answer.body);
    const month = closed.success ? monthOf(closed.data.closed.start) : "The period";
    const submitted = (await waitFor(() => invoicesOf(id).length > before, INVOICE_WAIT_MS))
      ? "its invoices are below."
      : "no invoice arrived yet (nothing billable, or the partner is still submitting): refresh in a moment.";
    const notice = `${month} is closed on the partner's clock; ${submitted}`;
    return c.redirect(`/installations/${id}/billing?${new URLSearchParams({ notice })}`, 303);
  });

  routes.post("/installations/:id/billing/credits", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const resource = state.resources.get(String(form.resourceId ?? ""));
    const amount = MoneyString.safeParse(String(form.amount ?? ""));
    const planId = resource?.billingPlan?.id;
    if (!resource || resource.installationId !== id || !planId || !amount.success) {
      return page(
        c,
        "Not bought",
        errorBox("Choose a prepaid resource and an amount like 10.00"),
        400,
      );
    }
    const { answer, balances } = await driver.buyCredits({
      installationId: id,
      billingPlanId: planId,
      amount: amount.data,
      resourceId: resource.id,
    });
    if (answer.status !== 200) {
      return page(
        c,
        "Purchase refused",
        errorBox(`Provision Purchase answered ${answer.status}`, answerBody(answer.body)),
        400,
      );
    }
    if (balances) {
      purchased.set(id, { timestamp: new Date().toISOString(), balances, source: "purchase" });
    }
    const notice = `Bought ${amount.data} USD of credit for ${resource.name}.`;
    return c.redirect(`/installations/${id}/billing?${new URLSearchParams({ notice })}`, 303);
  });

  return routes;
}
