import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MetadataSchema } from "../../packages/partnerkit/src/emulator/console/metadata-dialect.ts";
import {
  defaultMetadata,
  metadataFields,
  metadataFromForm,
  metadataToSend,
} from "../../packages/partnerkit/src/emulator/console/metadata-form.ts";
import { validateMetadata } from "../../packages/partnerkit/src/emulator/console/metadata-validation.ts";
import { EVERY_CONTROL } from "./metadata-dialect-fixtures.ts";

type Context = Parameters<typeof metadataFields>[2];
const CREATE = { mode: "create", paidPlan: true } as const;
const UPDATE = { mode: "update", paidPlan: true } as const;

async function draw(
  schema: MetadataSchema = EVERY_CONTROL,
  context: Context = CREATE,
  values = defaultMetadata(schema),
): Promise<string> {
  return String(await metadataFields(schema, values, context));
}

/** The HTML of one field, as a person reads it. */
function fieldHtml(page: string, key: string): string {
  const start = page.indexOf(`data-field="${key}"`);
  if (start < 0) return "";
  const end = page.indexOf('<div class="field"', start);
  return page.slice(start, end < 0 ? undefined : end);
}

describe("the metadata form draws Vercel's dialect", () => {
  it("draws each ui:control as the matching input", async () => {
    const page = await draw();
    expect(fieldHtml(page, "name")).toMatch(/type="text"[^>]*placeholder="my-db"/s);
    expect(fieldHtml(page, "name")).toContain("Lowercase letters and dashes");
    expect(fieldHtml(page, "replicas")).toMatch(
      /type="number"[^>]*value="1"[^>]*min="0"\s*max="5"/s,
    );
    expect(fieldHtml(page, "backups")).toMatch(/type="checkbox" role="switch"[^>]*checked/s);
    const slider = fieldHtml(page, "storage");
    expect(slider).toMatch(/type="range" name="slider\.storage" min="0" max="3"[^>]*value="1"/s);
    expect(slider).toMatch(/<output[^>]*>2<\/output>/);
    expect(slider).toContain("Steps: 1 · 2 · 4 · 8");
    const tier = fieldHtml(page, "tier");
    expect(tier).toMatch(/<select id="field-tier"/);
    expect(tier).toMatch(/<option value="small" selected\s*>Small<\/option>/);
    expect(tier).toMatch(/<option value="large"\s+disabled>Large \(sold out\)<\/option>/);
    expect(tier).not.toContain("Legacy");
    expect(fieldHtml(page, "engine").match(/type="radio"/g)).toHaveLength(2);
    expect(fieldHtml(page, "engine")).toMatch(/value="pg" checked/);
    expect(
      fieldHtml(page, "features").match(/type="checkbox" name="metadata\.features"/g),
    ).toHaveLength(2);
    expect(fieldHtml(page, "features")).toContain("Full-text search");
  });

  it("offers Vercel's regions with their cities, limited to the schema's enum", async () => {
    const page = await draw();
    const region = fieldHtml(page, "region");
    expect(region).toContain(
      '<option value="iad1" selected >iad1 — Washington, D.C., USA</option>',
    );
    expect(region).toContain("fra1 — Frankfurt, Germany");
    expect(region).not.toContain("lhr1");
    const replicas = fieldHtml(page, "readRegions");
    expect(replicas.match(/type="checkbox"/g)?.length).toBeGreaterThanOrEqual(19);
    expect(replicas).toContain("sfo1 — San Francisco, USA");
    expect(fieldHtml(page, "country")).toContain("Germany (DE)");
    expect(fieldHtml(page, "domain")).toMatch(
      /type="text"[^>]*placeholder="example\.com"[^>]*pattern=/s,
    );
    expect(fieldHtml(page, "namespace")).toContain("acme (github)");
  });

  it("shows the fields in ui:order, then the others in their declared order", async () => {
    const page = await draw();
    const at = (label: string) => page.indexOf(`>${label}`);
    expect(at("Primary region")).toBeGreaterThan(-1);
    expect(at("Primary region")).toBeLessThan(at("Tier"));
    expect(at("Tier")).toBeLessThan(at("Storage (GB)"));
    expect(at("Storage (GB)")).toBeLessThan(at("Database name"));
    expect(at("Database name")).toBeLessThan(at("Replicas"));
  });

  it("hides, disables and locks fields by form: create or update", async () => {
    const create = await draw(EVERY_CONTROL, CREATE);
    const update = await draw(EVERY_CONTROL, UPDATE);
    expect(create).not.toContain('data-field="internalId"');
    expect(update).not.toContain('data-field="internalId"');
    expect(create).not.toContain("Maintenance window");
    expect(update).toContain("Maintenance window");
    expect(fieldHtml(create, "version")).not.toMatch(/disabled/);
    expect(fieldHtml(update, "version")).toMatch(/\(read-only\)/);
    expect(fieldHtml(update, "version")).toMatch(/name="metadata\.version"\s+disabled/);
  });

  it("shows an expression's field as is, with a note that the emulator does not evaluate it", async () => {
    const audit = fieldHtml(await draw(), "audit");
    expect(audit).toContain('id="field-audit"');
    expect(audit).not.toMatch(/<input[^>]*\bdisabled\b/);
    expect(audit).toContain("metadata.tier == &#39;small&#39;");
    expect(audit).toContain("the emulator does not");
  });

  it("hides paid-only fields on a free plan and shows them on a paid one", async () => {
    expect(await draw(EVERY_CONTROL, { mode: "create", paidPlan: false })).not.toContain(
      "High availability",
    );
    expect(fieldHtml(await draw(EVERY_CONTROL, CREATE), "highAvailability")).toContain(
      "paid plans",
    );
  });

  it("draws a plain JSON Schema without ui:control by its types", async () => {
    const schema = MetadataSchema.parse(
      z.toJSONSchema(
        z.object({
          size: z.enum(["s", "m"]),
          cached: z.boolean().default(false),
          quota: z.number().optional(),
          label: z.string().optional(),
        }),
      ),
    );
    const page = await draw(schema);
    expect(fieldHtml(page, "size")).toMatch(/<select[^>]*>[\s\S]*<option value="s" selected/);
    expect(fieldHtml(page, "cached")).toContain('type="checkbox"');
    expect(fieldHtml(page, "quota")).toContain('type="number"');
    expect(fieldHtml(page, "label")).toContain('type="text"');
  });
});

describe("what the form sends", () => {
  const posted = {
    metadataForm: "1",
    "metadata.region": "fra1",
    "metadata.tier": "small",
    "slider.storage": "2",
    "metadata.features": ["search", "vectors"],
    "metadata.replicas": "3",
    "metadata.version": "17",
  };

  it("reads typed values back, a slider's step index as the step's value", () => {
    expect(metadataFromForm(EVERY_CONTROL, posted)).toMatchObject({
      region: "fra1",
      storage: [4],
      features: ["search", "vectors"],
      replicas: 3,
      backups: false,
    });
  });

  it("sends hidden fields' defaults on create and keeps read-only ones unchanged on update", () => {
    const chosen = metadataFromForm(EVERY_CONTROL, posted);
    const created = metadataToSend(EVERY_CONTROL, chosen, { mode: "create", paidPlan: false });
    expect(created).toMatchObject({ internalId: "int-1", version: "17" });
    expect(created).not.toHaveProperty("highAvailability");
    const updated = metadataToSend(EVERY_CONTROL, chosen, UPDATE, {
      version: "16",
      internalId: "int-1",
    });
    expect(updated).toMatchObject({ version: "16", internalId: "int-1", replicas: 3 });
  });

  it("names each value Vercel's form would refuse", () => {
    const errors = validateMetadata(
      EVERY_CONTROL,
      {
        region: "lhr1",
        tier: "huge",
        storage: [3],
        replicas: 9,
        name: "x".repeat(30),
        domain: "not a domain",
        backups: "yes",
      },
      CREATE,
    );
    expect(errors).toEqual({
      region: "Choose one of: iad1, fra1, sfo1",
      tier: "Choose one of: small, large, legacy",
      storage: "Choose one of: 1, 2, 4, 8",
      replicas: "Must be at most 5",
      name: "At most 20 characters",
      domain: "Must be a domain name, e.g. example.com",
      backups: "Must be on or off",
    });
    expect(validateMetadata(EVERY_CONTROL, { region: "iad1" }, CREATE)).toEqual({
      tier: "Required",
      storage: "Required",
    });
  });
});
