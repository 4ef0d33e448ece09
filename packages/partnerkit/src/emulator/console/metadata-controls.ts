import { html } from "hono/html";
import type { Html } from "./layout.ts";
import {
  type ChoiceOption,
  controlOf,
  type FieldSchema,
  type FormMode,
  isNumeric,
  optionsOf,
} from "./metadata-dialect.ts";
import { COUNTRIES, GIT_NAMESPACES, VERCEL_REGIONS } from "./vercel-regions.ts";

/** One field's input as Vercel's form draws it for its `ui:control`. */
export interface ControlInput {
  key: string;
  field: FieldSchema;
  value: unknown;
  mode: FormMode;
  /** Drawn but not changeable: `ui:disabled` / `ui:read-only` on this form. */
  locked: boolean;
  /** The id of the field's error message, when it has one. */
  errorId?: string;
}

export const FIELD_PREFIX = "metadata.";
/** A slider with `ui:steps` posts the step's index under this prefix; the form maps it back. */
export const SLIDER_PREFIX = "slider.";

export const fieldId = (key: string) => `field-${key}`;

// Plans may depend on what the form says (spec §4.12): a changed choice asks for them again,
// on the forms that have a refresh button (the update form has none).
export const REFRESH =
  "var refresh = this.form.querySelector('[data-refresh]'); if (refresh) this.form.requestSubmit(refresh)";

export function control(input: ControlInput): Html {
  switch (controlOf(input.field)) {
    case "toggle":
      return toggle(input);
    case "slider":
      return slider(input);
    case "select":
      return select(input, optionsOf(input.field, input.mode) ?? []);
    case "radio-button":
      return radios(input, optionsOf(input.field, input.mode) ?? []);
    case "multi-select":
      return checkboxes(input, optionsOf(input.field, input.mode) ?? []);
    case "vercel-region":
      return select(input, regionOptions(input));
    case "multi-vercel-region":
      return checkboxes(input, regionOptions(input));
    case "vercel-country":
      return select(input, countryOptions(input));
    case "git-namespace":
      return select(input, namespaceOptions(input.field));
    case "domain":
      return textInput(input, {
        pattern: "([a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?\\.)+[a-zA-Z]{2,}",
        placeholder: "example.com",
      });
    default:
      return textInput(input, {});
  }
}

const common = (input: ControlInput) =>
  html`name="${FIELD_PREFIX}${input.key}" ${input.locked ? "disabled" : ""} ${input.errorId ? html`aria-invalid="true" aria-describedby="${input.errorId}"` : ""}`;

function textInput(input: ControlInput, extra: { pattern?: string; placeholder?: string }): Html {
  const { field, value } = input;
  const numeric = isNumeric(field);
  const placeholder = field["ui:placeholder"] ?? extra.placeholder;
  return html`<input id="${fieldId(input.key)}" type="${numeric ? "number" : "text"}" ${common(input)}
    value="${value === undefined || value === null ? "" : String(value)}"
    ${placeholder ? html`placeholder="${placeholder}"` : ""}
    ${extra.pattern ? html`pattern="${extra.pattern}"` : ""}
    ${numeric ? html`step="${field.type === "integer" ? "1" : "any"}" ${field.minimum !== undefined ? html`min="${field.minimum}"` : ""} ${field.maximum !== undefined ? html`max="${field.maximum}"` : ""}` : ""} />`;
}

function toggle(input: ControlInput): Html {
  return html`<label class="inline toggle"><input id="${fieldId(input.key)}" type="checkbox" role="switch" value="true" ${common(input)} ${input.value === true ? "checked" : ""} /> On</label>`;
}

/** A range per value (Vercel's slider holds a list of numbers); snapping to `ui:steps` when given. */
function slider(input: ControlInput): Html {
  const { field, key } = input;
  const steps = field["ui:steps"];
  const minimum = field.minimum ?? field.items?.minimum ?? steps?.[0] ?? 0;
  const maximum = field.maximum ?? field.items?.maximum ?? steps?.at(-1) ?? 100;
  const values = [input.value ?? []].flat().filter((item) => typeof item === "number");
  const shown = values.length > 0 ? values : [steps?.[0] ?? minimum];
  const thumbs = shown.map((value, index) => {
    const id = index === 0 ? fieldId(key) : `${fieldId(key)}-${index}`;
    if (steps?.length) {
      const at = nearestStep(steps, value);
      return html`<span class="slider"><input id="${id}" type="range" name="${SLIDER_PREFIX}${key}" min="0" max="${steps.length - 1}" step="1" value="${at}"
        data-steps="${JSON.stringify(steps)}" oninput="this.nextElementSibling.value = JSON.parse(this.dataset.steps)[this.value]"
        ${input.locked ? "disabled" : ""} /><output for="${id}">${steps[at]}</output></span>`;
    }
    return html`<span class="slider"><input id="${id}" type="range" ${common(input)} min="${minimum}" max="${maximum}" step="1" value="${value}"
      oninput="this.nextElementSibling.value = this.value" /><output for="${id}">${value}</output></span>`;
  });
  return html`${thumbs}${steps?.length ? html`<div class="muted">Steps: ${steps.join(" · ")}</div>` : ""}`;
}

function nearestStep(steps: number[], value: number): number {
  const exact = steps.indexOf(value);
  if (exact >= 0) return exact;
  let best = 0;
  steps.forEach((step, index) => {
    if (Math.abs(step - value) < Math.abs((steps[best] ?? 0) - value)) best = index;
  });
  return best;
}

/** Hidden options are left out (unless already chosen); disabled ones are shown, not choosable. */
const visible = (options: ChoiceOption[], chosen: string[]) =>
  options.filter((option) => !option.hidden || chosen.includes(option.value));

function select(input: ControlInput, options: ChoiceOption[]): Html {
  const chosen = input.value === undefined ? "" : String(input.value);
  return html`<select id="${fieldId(input.key)}" ${common(input)} onchange="${REFRESH}">
    ${chosen === "" ? html`<option value="" selected>Choose…</option>` : ""}
    ${visible(options, [chosen]).map(
      (option) =>
        html`<option value="${option.value}" ${option.value === chosen ? "selected" : ""} ${option.disabled ? "disabled" : ""}>${option.label}</option>`,
    )}
  </select>`;
}

function radios(input: ControlInput, options: ChoiceOption[]): Html {
  const chosen = input.value === undefined ? "" : String(input.value);
  return html`<fieldset id="${fieldId(input.key)}" class="choices" role="radiogroup">
    ${visible(options, [chosen]).map(
      (option) =>
        html`<label class="inline"><input type="radio" ${common(input)} value="${option.value}" ${option.value === chosen ? "checked" : ""} ${option.disabled ? "disabled" : ""} onchange="${REFRESH}" /> ${option.label}${option.description ? html` <span class="muted">${option.description}</span>` : ""}</label>`,
    )}
  </fieldset>`;
}

function checkboxes(input: ControlInput, options: ChoiceOption[]): Html {
  const chosen = [input.value ?? []].flat().map(String);
  return html`<fieldset id="${fieldId(input.key)}" class="choices">
    ${visible(options, chosen).map(
      (option) =>
        html`<label class="inline"><input type="checkbox" ${common(input)} value="${option.value}" ${chosen.includes(option.value) ? "checked" : ""} ${option.disabled ? "disabled" : ""} /> ${option.label}</label>`,
    )}
  </fieldset>`;
}

/** Vercel's regions, or the ones the schema restricts the picker to (`enum`, `ui:options`). */
function regionOptions(input: ControlInput): ChoiceOption[] {
  const restricted = optionsOf(input.field, input.mode);
  const cityOf = (id: string) => VERCEL_REGIONS.find((region) => region.id === id)?.city;
  if (restricted) {
    return restricted.map((option) => {
      const city = cityOf(option.value);
      return option.label === option.value && city
        ? { ...option, label: `${option.value} — ${city}` }
        : option;
    });
  }
  return VERCEL_REGIONS.map((region) => choice(region.id, `${region.id} — ${region.city}`));
}

function countryOptions(input: ControlInput): ChoiceOption[] {
  return (
    optionsOf(input.field, input.mode) ??
    COUNTRIES.map((country) => choice(country.id, `${country.name} (${country.id})`))
  );
}

function namespaceOptions(field: FieldSchema): ChoiceOption[] {
  const providers = field["git:providers"];
  return GIT_NAMESPACES.filter(
    (namespace) => !providers?.length || providers.includes(namespace.provider),
  ).map((namespace) => choice(namespace.id, `${namespace.id} (${namespace.provider})`));
}

const choice = (value: string, label: string): ChoiceOption => ({
  value,
  label,
  hidden: false,
  disabled: false,
});
