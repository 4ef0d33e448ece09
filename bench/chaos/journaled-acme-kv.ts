import { createHash } from "node:crypto";
import type { ActionDefinition, IntegrationSetup, Product } from "partnerkit";
import { defineIntegration } from "partnerkit";
import acmeKv from "../../examples/acme-kv/src/index.ts";
import { HOOK_WORK_ENV, HookJournal } from "./hook-journal.ts";

type Action = ActionDefinition<Record<string, unknown>>;

/**
 * Acme KV as `partnerkit start --integration` serves it, with every provider hook recorded in
 * the hook journal: the chaos test counts runs per event from it.
 */
export default async function journaledAcmeKv(setup: IntegrationSetup) {
  const journal = new HookJournal(setup.database, Number(process.env[HOOK_WORK_ENV] ?? 0));
  await journal.migrate();
  const acme = await acmeKv(setup);
  const integration = defineIntegration({
    ...acme,
    products: acme.products.map((product) => journaledProduct(product, journal)),
    onInstall: (ctx) =>
      journal.run("install", ctx.installation.id, async () => acme.onInstall?.(ctx)),
    onUninstall: (ctx) =>
      journal.run("uninstall", ctx.installation.id, async () => acme.onUninstall?.(ctx)),
  });
  integration.onAny((ctx) => journal.run("webhook", ctx.event.id, async () => {}));
  return integration;
}

function journaledProduct(product: Product, journal: HookJournal): Product {
  const { delete: remove, secretsRotation: rotation, onTransfer, actions } = product;
  return {
    ...product,
    provision: (ctx, request) =>
      journal.run("provision", `${ctx.installation.id}/${request.name}`, () =>
        product.provision(ctx, request),
      ),
    ...(remove && {
      delete: (ctx, resource) => journal.run("delete", resource.id, () => remove(ctx, resource)),
    }),
    ...(rotation && {
      secretsRotation: {
        ...rotation,
        rotate: (ctx, resource, request) =>
          journal.run("rotate", `${resource.id}/${request.reason}`, () =>
            rotation.rotate(ctx, resource, request),
          ),
        revoke: (ctx, resource, previous) =>
          journal.run("revoke", `${resource.id}/${fingerprint(previous)}`, () =>
            rotation.revoke(ctx, resource, previous),
          ),
      },
    }),
    ...(onTransfer && {
      onTransfer: (ctx, resource, transfer) =>
        journal.run("transfer", `${transfer.id}/${resource.id}`, () =>
          onTransfer(ctx, resource, transfer),
        ),
    }),
    ...(actions && {
      actions: Object.fromEntries(
        Object.entries(actions).map(([slug, action]) => [slug, journaledAction(action, journal)]),
      ),
    }),
  };
}

function journaledAction(action: Action, journal: HookJournal): Action {
  const key = (input: Parameters<Action["start"]>[1]) =>
    `${input.resource.id}/${input.deployment.id}`;
  const { cancel, cleanup } = action;
  return {
    ...action,
    start: (ctx, input) => journal.run("action.start", key(input), () => action.start(ctx, input)),
    ...(cancel && {
      cancel: (ctx, input) => journal.run("action.cancel", key(input), () => cancel(ctx, input)),
    }),
    ...(cleanup && {
      cleanup: (ctx, input) => journal.run("action.cleanup", key(input), () => cleanup(ctx, input)),
    }),
  };
}

/** Names a set of replaced secrets without keeping them. */
function fingerprint(secrets: { name: string; value: string }[]): string {
  const hash = createHash("sha256");
  for (const secret of secrets) hash.update(`${secret.name}=${secret.value}\n`);
  return hash.digest("hex").slice(0, 16);
}
