import { readFile } from "node:fs/promises";
import { z } from "zod";
import { MetadataSchema } from "./metadata-dialect.ts";
import type { ConsoleProduct } from "./pages.ts";

const DeclaredExperimentation = z.looseObject({
  status: z.string().optional(),
  edgeConfigSyncingSupport: z.boolean().optional(),
});

/**
 * What the console offers for a product's `experimentation` protocol. Syncing to an Edge Config is
 * offered unless the product says it does not support it: whether Vercel needs the flag set to
 * offer it is UNCONFIRMED.
 */
export function experimentationOffer(
  declared: z.infer<typeof DeclaredExperimentation> | undefined,
): ConsoleProduct["experimentation"] {
  if (!declared || declared.status === "disabled") return undefined;
  return { edgeConfigSyncing: declared.edgeConfigSyncingSupport !== false };
}

/**
 * What `partnerkit product-config --json` prints: the products as they are entered in Vercel's
 * Integrations Console. Any partner server can be described this way, built with Partnerkit or not.
 */
export const ProductConfig = z.looseObject({
  products: z.array(
    z.looseObject({
      id: z.string().min(1),
      slug: z.string().optional(),
      name: z.string().optional(),
      metadataSchema: MetadataSchema.optional(),
      protocols: z
        .looseObject({
          storage: z
            .looseObject({ repl: z.looseObject({ enabled: z.boolean().optional() }).optional() })
            .optional(),
          experimentation: DeclaredExperimentation.optional(),
        })
        .optional(),
      primaryProtocol: z.string().optional(),
      deploymentActions: z
        .array(z.object({ slug: z.string().min(1), name: z.string().optional() }))
        .optional(),
    }),
  ),
  urls: z.record(z.string(), z.unknown()).optional(),
});
export type ProductConfig = z.infer<typeof ProductConfig>;

/** The console's products from a product configuration. */
export function consoleProducts(config: ProductConfig): ConsoleProduct[] {
  return config.products.map((product) => ({
    id: product.id,
    slug: product.slug,
    name: product.name,
    metadataSchema: product.metadataSchema,
    actions: product.deploymentActions,
    repl: product.protocols?.storage?.repl?.enabled === true,
    experimentation: experimentationOffer(product.protocols?.experimentation),
  }));
}

/** Reads a product configuration from a file or an http(s) URL; says what is wrong with it. */
export async function loadProductConfig(
  source: string,
  fetchImpl: typeof fetch = fetch,
): Promise<ConsoleProduct[]> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    const response = await fetchImpl(source);
    if (!response.ok) throw new Error(`${source} answered ${response.status}`);
    text = await response.text();
  } else {
    text = await readFile(source, "utf8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(
      `${source} is not JSON (expected the output of \`partnerkit product-config --json\`)`,
    );
  }
  const parsed = ProductConfig.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${source} is not a product configuration: ${z.prettifyError(parsed.error)}`);
  }
  return consoleProducts(parsed.data);
}
