import type { HookContext, ReplCommand } from "partnerkit";
import type { FlagChanges } from "./flag-changes.ts";
import { type FlagChange, FlagRuleError } from "./flag-model.ts";
import { FlagKeyTaken, type FlagStore } from "./flag-store.ts";

type Commands = Record<string, ReplCommand<Record<string, unknown>>>;

/** A value as typed: JSON when it parses (`true`, `42`, `{"a":1}`), else the text itself. */
const typedValue = (text: string) => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const cell = (text: string) => ({ type: "text" as const, text });

/**
 * Acme Flags' REPL (spec §4.11). The framework refuses a command marked `write` in a read-only
 * session and picks commands by their first word, so each change is a command of its own.
 */
export function acmeFlagsRepl(flags: FlagStore, changes: FlagChanges): Commands {
  const change = async (ctx: HookContext, resourceId: string, key: string, fields: FlagChange) => {
    try {
      await changes.save(ctx, resourceId, key, fields);
      return "OK";
    } catch (error) {
      if (error instanceof FlagRuleError || error instanceof FlagKeyTaken) {
        return `(error) ${error.message}`;
      }
      throw error;
    }
  };
  const existing = async (resourceId: string, key: string) =>
    (await flags.byKey(resourceId, key)) !== undefined;
  /** A command changing one field of an existing flag; `(nil)` for an unknown key. */
  const changing = (description: string, fields: FlagChange): Commands[string] => ({
    write: true,
    args: ["key"],
    description,
    run: async (ctx, resource, [key = ""]) =>
      (await existing(resource.id, key)) ? change(ctx, resource.id, key, fields) : "(nil)",
  });

  return {
    flags: {
      description: "every flag with what it serves",
      async run(_ctx, resource) {
        const all = await flags.list(resource.id);
        return [
          {
            type: "table",
            header: ["key", "value", "default", "enabled", "rollout", "archived"].map((name) => ({
              ...cell(name),
              bold: true,
            })),
            rows: all.map((flag) => [
              cell(flag.key),
              cell(JSON.stringify(flag.value)),
              cell(JSON.stringify(flag.defaultValue)),
              cell(String(flag.enabled)),
              cell(`${flag.rollout}%`),
              cell(String(flag.archived)),
            ]),
          },
        ];
      },
    },
    flag: {
      args: ["key"],
      description: "one flag's definition",
      async run(_ctx, resource, [key = ""]) {
        const flag = await flags.byKey(resource.id, key);
        return flag ? JSON.stringify(flag, null, 2) : "(nil)";
      },
    },
    set: {
      write: true,
      args: ["key", "value"],
      description: "serve a value (JSON or text), creating the flag if needed",
      async run(ctx, resource, [key = "", text = ""]) {
        const value = typedValue(text);
        const kind = typeof value === "boolean" ? "boolean" : "variant";
        const fields: FlagChange = (await existing(resource.id, key)) ? { value } : { kind, value };
        return change(ctx, resource.id, key, fields);
      },
    },
    enable: changing("turn a flag on", { enabled: true }),
    disable: changing("turn a flag off: everyone gets its default", { enabled: false }),
    rollout: {
      write: true,
      args: ["key", "percent"],
      description: "serve the value to this percent of entities",
      async run(ctx, resource, [key = "", percent = ""]) {
        const rollout = Number(percent);
        if (!Number.isInteger(rollout) || rollout < 0 || rollout > 100) {
          return "(error) the percent is a whole number from 0 to 100";
        }
        return (await existing(resource.id, key))
          ? change(ctx, resource.id, key, { rollout })
          : "(nil)";
      },
    },
    archive: changing("stop serving a flag, keeping its definition", { archived: true }),
    delete: {
      write: true,
      args: ["key"],
      description: "delete a flag",
      run: async (ctx, resource, [key = ""]) =>
        (await changes.delete(ctx, resource.id, key)) ? "(integer) 1" : "(integer) 0",
    },
  };
}
