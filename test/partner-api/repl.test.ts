import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseReplInput } from "../../packages/partnerkit/src/core/repl.ts";
import { ReplResponse } from "../../packages/partnerkit/src/protocol/repl.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody, readError } from "../support/bodies.ts";
import {
  type CallOptions,
  createTestPartner,
  install,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner;
let resourceId: string;
let token: string;
beforeEach(async () => {
  partner = await createTestPartner();
  await install(partner);
  const created = await partner.call("POST", "/v1/installations/icfg_1/resources", {
    body: provisionBody(),
  });
  const resource = await readBody(created, ProvisionResourceResponse);
  resourceId = resource.id;
  token = resource.secrets.find((secret) => secret.name === "KV_REST_API_TOKEN")?.value ?? "";
});
afterEach(() => partner.close());

const repl = (input: string, readOnly?: boolean, options: CallOptions = {}) =>
  partner.call("POST", `/v1/installations/icfg_1/resources/${resourceId}/repl`, {
    body: { input, ...(readOnly !== undefined && { readOnly }) },
    ...options,
  });

/** The text of every block, a table's rows joined by commas. */
async function output(response: Response): Promise<string[]> {
  expect(response.status).toBe(200);
  const blocks = await readBody(response, ReplResponse);
  return blocks.map((block) =>
    block.type === "paragraph"
      ? block.children.map((child) => child.text).join("")
      : block.rows.map((row) => row.map((cell) => cell.text).join(" ")).join(","),
  );
}

const dataPlaneGet = (key: string) =>
  partner.app.request(`/kv/${resourceId}/${key}`, {
    headers: { authorization: `Bearer ${token}` },
  });

describe("POST …/repl on Acme KV (spec §4.11)", () => {
  it("sets, reads, lists and deletes keys of the resource's real data", async () => {
    expect(await output(await repl('set greeting "hello world"'))).toEqual(["OK"]);
    expect(await (await dataPlaneGet("greeting")).text()).toBe("hello world");
    expect(await output(await repl("get greeting"))).toEqual(["hello world"]);
    await repl("set answer 42");
    expect(await output(await repl("keys"))).toEqual(["answer,greeting"]);
    expect(await output(await repl("del greeting"))).toEqual(["(integer) 1"]);
    expect(await output(await repl("del greeting"))).toEqual(["(integer) 0"]);
    expect((await dataPlaneGet("greeting")).status).toBe(404);
    expect(await output(await repl("get greeting"))).toEqual(["(nil)"]);
  });

  it("refuses a write command in a readOnly session with 403, and leaves the data alone", async () => {
    const response = await repl("set greeting hi", true);
    expect(response.status).toBe(403);
    expect((await readError(response)).code).toBe("read_only");
    expect((await dataPlaneGet("greeting")).status).toBe(404);
    expect(await output(await repl("keys", true))).toEqual([""]);
  });

  it("lets a USER-role member read but not write", async () => {
    await repl("set greeting hi");
    expect(await output(await repl("get greeting", false, { auth: "viewer" }))).toEqual(["hi"]);
    const write = await repl("del greeting", false, { auth: "viewer" });
    expect(write.status).toBe(403);
    expect(await (await dataPlaneGet("greeting")).text()).toBe("hi");
  });

  it("answers 400 for an unknown command, naming the known ones to the user", async () => {
    const response = await repl("flushall");
    expect(response.status).toBe(400);
    const error = await readError(response);
    expect(error.code).toBe("unknown_command");
    expect(error.user?.message).toContain("get, set, del, keys");
  });

  it("answers 400 with the usage for a wrong number of arguments, an empty input or an open quote", async () => {
    const usage = await repl("set onlykey");
    expect(usage.status).toBe(400);
    expect((await readError(usage)).message).toBe("Usage: set <key> <value>");
    expect((await repl("   ")).status).toBe(400);
    expect((await repl('set a "open')).status).toBe(400);
    expect((await repl("toString")).status).toBe(400);
  });

  it("answers 400 for a body without input, 404 for another installation's resource, 403 for a system token", async () => {
    const missingInput = await partner.call(
      "POST",
      `/v1/installations/icfg_1/resources/${resourceId}/repl`,
      { body: { readOnly: true } },
    );
    expect(missingInput.status).toBe(400);
    expect((await readError(missingInput)).fields?.[0]?.key).toBe("input");

    await install(partner, "icfg_2");
    const elsewhere = await partner.call(
      "POST",
      `/v1/installations/icfg_2/resources/${resourceId}/repl`,
      { installationId: "icfg_2", body: { input: "keys" } },
    );
    expect(elsewhere.status).toBe(404);
    expect((await repl("keys", true, { auth: "system" })).status).toBe(403);
  });
});

describe("parseReplInput", () => {
  it("splits on blanks and keeps quoted words whole, with escaped quotes", () => {
    expect(parseReplInput('  set  "a b"  c\\d "say \\"hi\\"" ')).toEqual([
      "set",
      "a b",
      "c\\d",
      'say "hi"',
    ]);
    expect(parseReplInput("")).toEqual([]);
  });
});
