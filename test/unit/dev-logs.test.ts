import { describe, expect, it } from "vitest";
import { loadPrettifier, prettyLine } from "../../packages/partnerkit/src/cli/dev-logs.ts";

const record = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: 40, time: Date.UTC(2026, 11, 6), pid: 1, hostname: "vm", ...fields });

describe("partnerkit dev's logs", async () => {
  const prettify = await loadPrettifier();
  if (!prettify) throw new Error("pino-pretty is a devDependency of the example: it must load");

  it("are pino-pretty lines, other output passing through", () => {
    const line = prettyLine(prettify, record({ level: 30, msg: "request", status: 200 }));
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request \{"status":200\}\n$/);
    expect(prettyLine(prettify, "Restarting...")).toBe("Restarting...\n");
  });

  it("show a refusal Vercel answered on one line, and a real stack as a block", () => {
    const refusal = record({
      msg: "job failed, will retry",
      err: { type: "VercelApiError", message: "401", stack: "VercelApiError: 401", status: 401 },
    });
    expect(prettyLine(prettify, refusal)).toMatch(
      /WARN: job failed, will retry \{"error":"401"\}\n$/,
    );

    const crash = record({
      msg: "crash",
      err: { message: "boom", stack: "Error: boom\n    at x" },
    });
    expect(prettyLine(prettify, crash)).toContain("Error: boom\n");
  });
});
