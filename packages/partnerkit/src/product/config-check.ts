import { isDeepStrictEqual } from "node:util";
import type { z } from "zod";
import type { MetadataField } from "./metadata-schema.ts";
import { ProductConfiguration } from "./product-configuration.ts";

export interface ConfigProblem {
  level: "error" | "warn";
  /** The product's slug, or its position when it has none. */
  product: string;
  message: string;
}

/**
 * Checks product configurations against the shape Vercel's console takes (errors), then for
 * what works but costs users something (warnings).
 */
export function checkProductConfigs(products: readonly unknown[]): ConfigProblem[] {
  return products.flatMap((candidate, index) => {
    const name = productName(candidate, index);
    const parsed = ProductConfiguration.safeParse(candidate);
    if (!parsed.success) return parsed.error.issues.map((issue) => schemaProblem(name, issue));
    return semanticProblems(name, parsed.data);
  });
}

function productName(candidate: unknown, index: number): string {
  const slug = (candidate as { slug?: unknown } | null)?.slug;
  return typeof slug === "string" ? slug : `#${index + 1}`;
}

function schemaProblem(product: string, issue: z.core.$ZodIssue): ConfigProblem {
  const path = issue.path.map(String).join(".");
  return { level: "error", product, message: `${path || "(product)"}: ${issue.message}` };
}

function semanticProblems(product: string, config: ProductConfiguration): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const error = (message: string) => problems.push({ level: "error", product, message });
  const warn = (message: string) => problems.push({ level: "warn", product, message });
  const { properties, required = [], "ui:order": order = [] } = config.metadataSchema;
  for (const key of [...required, ...order]) {
    if (!(key in properties)) error(`metadataSchema names ${key}, which is not a property`);
  }
  for (const [key, field] of Object.entries(properties)) {
    if (required.includes(key) && !("default" in field && field.default !== undefined)) {
      warn(
        `field ${key} is required and has no default: Vercel's CLI and agents cannot provision without a browser`,
      );
    }
    const outside = defaultOutsideChoices(field);
    if (outside !== undefined) error(`field ${key}: default ${outside} is not one of its values`);
  }
  const declared = Object.entries(config.protocols).filter(([, value]) => value !== undefined);
  if (declared.length === 0) warn("declares no protocol: the console needs at least one");
  const primary = config.primaryProtocol;
  if (primary && config.protocols[primary]?.status !== "enabled") {
    error(`primaryProtocol ${primary} is not an enabled protocol of the product`);
  }
  if (!primary && declared.length > 1) warn("has several protocols and no primaryProtocol");
  return problems;
}

/** A default the field's own enum rules out, as text; undefined when it fits. */
function defaultOutsideChoices(field: MetadataField): string | undefined {
  if (!("default" in field) || field.default === undefined) return undefined;
  const values = "enum" in field ? field.enum : "items" in field ? itemsEnum(field) : undefined;
  if (!values) return undefined;
  const given: unknown[] = Array.isArray(field.default) ? field.default : [field.default];
  const stray = given.find((value) => !values.some((allowed) => isDeepStrictEqual(allowed, value)));
  return stray === undefined ? undefined : JSON.stringify(stray);
}

function itemsEnum(field: MetadataField): unknown[] | undefined {
  const items = (field as { items?: { enum?: unknown[] } }).items;
  return items?.enum;
}
