import { z } from "zod";
import type { Product } from "../core/define-integration.ts";
import {
  type ConfiguredProtocols,
  type PrimaryProtocol,
  ProductProtocols,
} from "./product-configuration.ts";

export interface ResolvedProtocols {
  protocols: z.output<typeof ConfiguredProtocols>;
  primaryProtocol?: PrimaryProtocol;
}

/**
 * The product's protocols as the console holds them. A product with REPL commands gets
 * `storage.repl` (the REPL is a storage feature) unless it says otherwise; read-only mode is
 * supported because the framework refuses write commands on a read-only request (core/repl.ts).
 * A product with deployment checks gets the `checks` protocol the same way.
 */
export function resolveProtocols(product: Product): ResolvedProtocols {
  const parsed = ProductProtocols.safeParse(product.protocols ?? {});
  if (!parsed.success) {
    throw new Error(
      `Product ${product.id}: bad protocols: ${z.prettifyError(parsed.error).replaceAll("\n", " ")}`,
    );
  }
  const { storage: declared, ...others } = parsed.data;
  const hasRepl = Object.keys(product.repl ?? {}).length > 0;
  const storage = storageProtocol(
    declared ?? (hasRepl ? { status: "enabled" } : undefined),
    hasRepl,
  );
  // Deployment checks are the `checks` protocol (spec §15): declared ones turn it on.
  const hasChecks = Object.keys(product.checks ?? {}).length > 0;
  const checks = others.checks ?? (hasChecks ? { status: "enabled" as const } : undefined);
  const protocols: ResolvedProtocols["protocols"] = {
    ...others,
    ...(storage && { storage }),
    ...(checks && { checks }),
  };
  const enabled = (Object.keys(protocols) as PrimaryProtocol[]).filter(
    (name) => protocols[name]?.status === "enabled",
  );
  const primaryProtocol =
    product.primaryProtocol ?? (enabled.length === 1 ? enabled[0] : undefined);
  return { protocols, ...(primaryProtocol && { primaryProtocol }) };
}

type DeclaredStorage = NonNullable<z.output<typeof ProductProtocols>["storage"]>;

/** Storage with its REPL flags complete: from the product's REPL commands unless declared. */
function storageProtocol(storage: DeclaredStorage | undefined, hasRepl: boolean) {
  if (!storage) return undefined;
  const { repl, ...rest } = storage;
  if (!repl && !hasRepl) return rest;
  return {
    ...rest,
    repl: {
      enabled: repl?.enabled ?? hasRepl,
      supportsReadOnlyMode: repl?.supportsReadOnlyMode ?? hasRepl,
      ...(repl?.welcomeMessage !== undefined && { welcomeMessage: repl.welcomeMessage }),
    },
  };
}
