import { Hono } from "hono";
import type { ErrorField } from "../../../protocol/errors.ts";
import {
  VercelSubmitInvoiceRequest as SubmitInvoiceSchema,
  VercelInvoiceActionRequest,
  type VercelSubmitInvoiceRequest,
} from "../../../protocol/vercel-api.ts";
import type { EmulatedInstallation, EmulatorState } from "../../state.ts";
import { authorize } from "../auth.ts";
import type { VercelApiDeps, VercelApiEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { invoiceTotalCents, toCents } from "../money.ts";
import { readVercelBody } from "../unknown-fields.ts";
import { refsOf, unknownResources } from "./resource-refs.ts";

/** Submit (§5.13, 200 JSON), get (200 JSON) and refund (204) invoices. */
export function invoiceRoutes({ state, store }: VercelApiDeps) {
  const routes = new Hono<VercelApiEnv>();

  routes.post("/v1/installations/:id/billing/invoices", async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "billing");
    const body = await readVercelBody(c, SubmitInvoiceSchema);
    const fields = invoiceProblems(state, installation, body);
    // `test.validate` only checks: the answer lists the problems and nothing is stored.
    if (body.test?.validate) {
      return c.json(
        { test: true, validationErrors: fields.map(({ key, message }) => `${key} ${message}`) },
        200,
      );
    }
    if (fields.length > 0) {
      throw ApiError.invalid(fields);
    }
    const { invoice } = store.submitInvoice(installation.id, body);
    return c.json({ invoiceId: invoice.invoiceId, ...(invoice.test && { test: true }) }, 200);
  });

  routes.get("/v1/installations/:id/billing/invoices/:invoiceId", (c) => {
    const installation = authorize(c, state, c.req.param("id"), "billing");
    const stored = store.invoice(installation.id, c.req.param("invoiceId"));
    if (!stored) throw ApiError.notFound(`No invoice ${c.req.param("invoiceId")}`);
    return c.json(stored.invoice, 200);
  });

  routes.post("/v1/installations/:id/billing/invoices/:invoiceId/actions", async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "billing");
    const stored = store.invoice(installation.id, c.req.param("invoiceId"));
    if (!stored) throw ApiError.notFound(`No invoice ${c.req.param("invoiceId")}`);
    const body = await readVercelBody(c, VercelInvoiceActionRequest);
    if (toCents(body.total) > toCents(stored.invoice.total)) {
      throw ApiError.invalid([
        { key: "total", message: `exceeds the invoice total ${stored.invoice.total}` },
      ]);
    }
    if (stored.invoice.state === "refund_requested" || stored.invoice.state === "refunded") {
      throw ApiError.conflict(`The invoice is already ${stored.invoice.state}`);
    }
    store.refund(stored, body.reason, body.total);
    return c.body(null, 204);
  });

  return routes;
}

/** What Vercel checks beyond the body's shape (spec §5.13). */
function invoiceProblems(
  state: EmulatorState,
  installation: EmulatedInstallation,
  body: VercelSubmitInvoiceRequest,
): ErrorField[] {
  const fields = unknownResources(state, installation.id, [
    ...refsOf("items", body.items),
    ...refsOf("discounts", body.discounts ?? []),
  ]);
  if (body.final && installation.status === "installed") {
    fields.push({
      key: "final",
      message: "is only accepted while the installation is uninstalling",
    });
  }
  if (invoiceTotalCents(body.items, body.discounts) < 0) {
    fields.push({ key: "discounts", message: "exceed the items: the total would be negative" });
  }
  return fields;
}
