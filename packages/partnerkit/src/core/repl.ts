import { type ReplBlock, type ReplRequest, ReplResponse } from "../protocol/repl.ts";
import type { HookContexts } from "./hook-context.ts";
import { PartnerError } from "./partner-error.ts";
import type { RequestContext } from "./request-context.ts";
import type { ResourceService } from "./resources.ts";

/** Words of a REPL input: split on blanks, `"…"` keeps blanks and `\"` inside a quoted word. */
export function parseReplInput(input: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:\\.|[^"\\])*)"|([^\s"]\S*)/y;
  let rest = input.trim();
  while (rest.length > 0) {
    pattern.lastIndex = 0;
    const match = pattern.exec(rest);
    if (!match) throw PartnerError.badRequest("Unterminated quote in the input");
    words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : (match[2] ?? ""));
    rest = rest.slice(match[0].length).trimStart();
  }
  return words;
}

const paragraph = (text: string): ReplBlock => ({
  type: "paragraph",
  children: [{ type: "text", text }],
});

/**
 * The resource REPL, spec §4.11. The framework picks the command, checks its arguments and
 * refuses a command that writes when the request is `readOnly` or comes from a USER-role member
 * (spec §2.4: USER is read-only), so a provider's command never has to remember to.
 */
export class ReplService {
  constructor(
    private readonly resources: ResourceService,
    private readonly contexts: HookContexts,
  ) {}

  async run(
    request: RequestContext,
    installationId: string,
    resourceId: string,
    body: ReplRequest,
  ): Promise<ReplResponse> {
    const { installation, resource, product } = await this.resources.target(
      request,
      installationId,
      resourceId,
    );
    const commands = product.repl;
    if (!commands) throw PartnerError.unprocessable(`Product ${product.id} has no REPL`);
    const [name, ...args] = parseReplInput(body.input);
    if (name === undefined) throw PartnerError.badRequest("The input is empty");
    const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!command) {
      const known = Object.keys(commands).join(", ");
      throw new PartnerError(400, "unknown_command", `Unknown command ${name}`, {
        userMessage: `Unknown command "${name}". Commands: ${known}.`,
      });
    }
    const viewer =
      request.caller.authType === "user" && request.caller.claims.user_role !== "ADMIN";
    if (command.write && (body.readOnly || viewer)) {
      throw new PartnerError(
        403,
        "read_only",
        `${name} changes data and this session is read-only`,
        {
          userMessage: `"${name}" changes data; it cannot run in a read-only session.`,
        },
      );
    }
    const expected = command.args ?? [];
    if (args.length !== expected.length) {
      const usage = [name, ...expected.map((arg) => `<${arg}>`)].join(" ");
      throw new PartnerError(400, "bad_request", `Usage: ${usage}`, {
        userMessage: `Usage: ${usage}`,
      });
    }
    const ctx = this.contexts.create(request, installation);
    const output = await command.run(ctx, resource, args);
    return ReplResponse.parse(typeof output === "string" ? [paragraph(output)] : output);
  }
}
