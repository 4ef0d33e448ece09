import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { lazyChild } from "../../packages/partnerkit/src/lazy-child.ts";

/** A logger at `level` writing its lines, parsed, into `lines`. */
function capturing(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logger = pino({ level, redact: ["*.token"] }, stream);
  return { logger, lines };
}

describe("a lazy child logger", () => {
  it("writes its lines with its bindings, as the child would", async () => {
    const { logger, lines } = capturing("info");
    const log = lazyChild(logger, { requestId: "req_1" });

    log.info({ status: 200, auth: { token: "secret" } }, "request");
    log.child({ eventId: "evt_1" }).warn("nested");

    expect(lines).toMatchObject([
      { requestId: "req_1", status: 200, auth: { token: "[Redacted]" }, msg: "request" },
      { requestId: "req_1", eventId: "evt_1", level: 40, msg: "nested" },
    ]);
  });

  it("makes no child until a line is written, nor for a level its parent leaves off", () => {
    const { logger, lines } = capturing("warn");
    const child = vi.spyOn(logger, "child");
    const log = lazyChild(logger, { requestId: "req_1" });

    log.info("not written");
    log.debug({ big: "object" }, "not written either");
    expect(log.isLevelEnabled("info")).toBe(false);
    expect(child).not.toHaveBeenCalled();

    log.error("written");
    expect(child).toHaveBeenCalledTimes(1);
    log.error("again");
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((line) => line.msg)).toEqual(["written", "again"]);
  });

  it("nests, as a hook context's logger nests in its request's, still making nothing unused", () => {
    const { logger, lines } = capturing("warn");
    const child = vi.spyOn(logger, "child");
    const request = lazyChild(logger, { requestId: "req_1" });
    const hook = lazyChild(request, { installationId: "icfg_1" });

    hook.info("not written");
    expect(child).not.toHaveBeenCalled();

    hook.warn("written");
    expect(lines).toMatchObject([{ requestId: "req_1", installationId: "icfg_1", msg: "written" }]);
  });

  it("keeps a level set on it to itself", () => {
    const { logger, lines } = capturing("info");
    const log = lazyChild(logger, { requestId: "req_1" });

    log.level = "error";
    log.warn("quiet here");
    logger.warn("written by the parent");

    expect(log.level).toBe("error");
    expect(lines.map((line) => line.msg)).toEqual(["written by the parent"]);
  });
});
