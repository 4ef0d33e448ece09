import pino from "pino";
import type { Integration } from "../core/define-integration.ts";
import { resolveProtocols } from "../product/protocols.ts";
import type { IntegrationFactory, IntegrationSource } from "../runtime.ts";
import { openDatabase } from "../store/database.ts";
import { migrateStore } from "../store/kysely-store.ts";
import type { ConsoleProduct } from "./console/pages.ts";
import { experimentationOffer } from "./console/product-config.ts";

/**
 * The integration's products as the emulator's console shows them: form schema, deployment
 * actions, REPL, checks, flags.
 */
export async function describeProducts(source: IntegrationSource): Promise<ConsoleProduct[]> {
  const integration = await integrationOf(source);
  return integration.products.map((product) => ({
    id: product.id,
    name: product.name,
    metadataSchema: product.metadataSchema,
    actions: Object.entries(product.actions ?? {}).map(([slug, action]) => ({
      slug,
      name: action.name,
    })),
    repl: product.repl !== undefined,
    replCommands: Object.entries(product.repl ?? {}).map(([name, command]) => ({
      name,
      args: command.args,
      description: command.description,
      write: command.write,
    })),
    checks: Object.entries(product.checks ?? {}).map(([name, check]) => ({
      name,
      blocking: check.blocking ?? false,
    })),
    // The protocols as `partnerkit product-config` prints them: what Vercel's console would hold.
    experimentation: experimentationOffer(resolveProtocols(product).protocols.experimentation),
  }));
}

/** The integration itself, or a factory's built only to read its product definitions. */
export async function integrationOf(source: IntegrationSource): Promise<Integration> {
  return typeof source === "function" ? buildThrowaway(source) : source;
}

/** A factory built once against an in-memory database, only to read its product definitions. */
async function buildThrowaway(factory: IntegrationFactory): Promise<Integration> {
  const database = openDatabase(":memory:");
  try {
    await migrateStore(database);
    return await factory({
      database,
      publicUrl: "http://localhost",
      log: pino({ level: "silent" }),
    });
  } finally {
    await database.close();
  }
}
