import type { ReplCommand } from "partnerkit";
import type { KvStore } from "./kv-store.ts";

/** Acme KV's REPL (spec §4.11): Redis-like commands on the resource's own data. */
export function acmeKvRepl(kv: KvStore): Record<string, ReplCommand<Record<string, unknown>>> {
  return {
    get: {
      args: ["key"],
      description: "the value of a key",
      run: async (_ctx, resource, [key = ""]) => (await kv.get(resource.id, key)) ?? "(nil)",
    },
    set: {
      write: true,
      args: ["key", "value"],
      description: "store a value",
      async run(_ctx, resource, [key = "", value = ""]) {
        await kv.set(resource.id, key, value);
        return "OK";
      },
    },
    del: {
      write: true,
      args: ["key"],
      description: "delete a key",
      run: async (_ctx, resource, [key = ""]) =>
        (await kv.delete(resource.id, key)) ? "(integer) 1" : "(integer) 0",
    },
    keys: {
      description: "every key",
      async run(_ctx, resource) {
        const keys = await kv.keys(resource.id);
        return [
          {
            type: "table",
            header: [{ type: "text", text: "key", bold: true }],
            rows: keys.map((key) => [{ type: "text", text: key }]),
          },
        ];
      },
    },
  };
}
