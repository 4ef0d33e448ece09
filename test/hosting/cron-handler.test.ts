import { describe, expect, it, vi } from "vitest";
import { ConfigError } from "../../packages/partnerkit/src/config.ts";
import {
  createCronHandler,
  DEFAULT_CRON_MAX_MS,
} from "../../packages/partnerkit/src/hosting/cron.ts";

const SECRET = "s3cret-of-at-least-16-chars";

function setup(options: { maxMs?: number; failWith?: Error } = {}) {
  const tick = vi.fn(async (_options?: { maxMs?: number }) => {
    if (options.failWith) throw options.failWith;
    return { jobs: 3 };
  });
  const logged: unknown[] = [];
  const handler = createCronHandler(
    { tick },
    {
      secret: SECRET,
      maxMs: options.maxMs,
      logger: { error: (...args: unknown[]) => void logged.push(args) },
    },
  );
  const call = (authorization?: string) =>
    handler(
      new Request("https://acme-kv.test/api/cron", {
        headers: authorization === undefined ? {} : { authorization },
      }),
    );
  return { tick, call, logged };
}

describe("createCronHandler", () => {
  it.each([
    ["no Authorization header", undefined],
    ["an empty header", ""],
    ["a wrong secret of the same length", `Bearer ${"x".repeat(SECRET.length)}`],
    ["a wrong secret of another length", "Bearer nope"],
    ["a prefix of the secret", `Bearer ${SECRET.slice(0, -1)}`],
    ["the secret with more after it", `Bearer ${SECRET}x`],
    ["the Basic scheme", `Basic ${SECRET}`],
    ["the secret without a scheme", SECRET],
    ["the scheme without a secret", "Bearer "],
  ])("answers 401 and runs nothing for %s", async (_case, authorization) => {
    const { tick, call } = setup();
    const response = await call(authorization);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(await response.json()).toEqual({
      error: { code: "unauthorized", message: "Missing or wrong cron secret" },
    });
    expect(tick).not.toHaveBeenCalled();
  });

  it("runs one tick for the right secret and says how many jobs ran", async () => {
    const { tick, call } = setup();
    const response = await call(`Bearer ${SECRET}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ok",
      jobs: 3,
      durationMs: expect.any(Number),
    });
    expect(tick).toHaveBeenCalledExactlyOnceWith({ maxMs: DEFAULT_CRON_MAX_MS });
  });

  it("takes the scheme in any case, and passes maxMs on", async () => {
    const { tick, call } = setup({ maxMs: 1_234 });
    expect((await call(`bearer ${SECRET}`)).status).toBe(200);
    expect(tick).toHaveBeenCalledExactlyOnceWith({ maxMs: 1_234 });
  });

  it("answers 500 without the failure's details when the tick fails, and logs it", async () => {
    const failure = new Error("connect ECONNREFUSED 10.0.0.7:5432");
    const { call, logged } = setup({ failWith: failure });
    const response = await call(`Bearer ${SECRET}`);
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).not.toContain("ECONNREFUSED");
    expect(JSON.parse(body)).toMatchObject({ error: { code: "tick_failed" } });
    expect(logged).toEqual([[{ err: failure }, "cron tick failed"]]);
  });

  it.each([
    ["empty", ""],
    ["short", "too-short"],
    ["blank", " ".repeat(20)],
  ])("refuses to be created with an %s secret", (_case, secret) => {
    const tick = vi.fn();
    expect(() => createCronHandler({ tick }, { secret })).toThrow(ConfigError);
  });
});
