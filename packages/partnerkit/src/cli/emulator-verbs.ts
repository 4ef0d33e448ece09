import type { parseArgs } from "node:util";
import { z } from "zod";
import { parseCommand } from "./parse.ts";

type Env = Record<string, string | undefined>;

type Values = Record<string, string | boolean | string[] | undefined>;

/** What an answer of the control API means for the exit code, with a line saying why. */
interface Outcome {
  passed: boolean;
  line: string;
}

/** A verb: its flags, and how they become a call to the running emulator's control API. */
interface Verb {
  usage: string;
  options: NonNullable<Parameters<typeof parseArgs>[0]>["options"];
  request(
    values: Values,
    positionals: string[],
  ): { path: string; body: Record<string, unknown> } | string;
  /** Judges a 2xx answer whose content can still be a failure; a 2xx passes without it. */
  outcome?(answer: unknown, values: Values): Outcome;
}

const list = (value: unknown) =>
  typeof value === "string"
    ? value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean)
    : undefined;

const json = (value: unknown, flag: string): Record<string, unknown> | undefined => {
  if (typeof value !== "string") return undefined;
  const parsed: unknown = JSON.parse(value);
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Error(`--${flag} must be a JSON object`);
  return parsed as Record<string, unknown>;
};

/** The part of the answers (`emulator/deployments.ts`, `webhook-sender.ts`) that decides the exit code. */
const DeployAnswer = z.object({ deployment: z.object({ state: z.string() }) });
const TriggerAnswer = z.object({
  verdict: z.string(),
  passed: z.boolean(),
  attempts: z.array(z.object({ status: z.number() })),
});

export const VERBS: Record<string, Verb> = {
  install: {
    usage: "install [--installation-id icfg_…]",
    options: { "installation-id": { type: "string" } },
    request: (values) => ({
      path: "/__emulator/installations",
      body: { installationId: values["installation-id"] },
    }),
  },
  provision: {
    usage:
      "provision --installation <id> [--product id] [--name n] [--metadata '{…}'] [--plan id]\n" +
      "            [--project my-app] [--environments production,preview] [--prefix p] [--actions branch]\n" +
      "            [--sync-flags]   (a flags product: sync to a new Edge Config, spec §11.3)",
    options: {
      installation: { type: "string" },
      // Default: the emulator's product when it offers only one (it names them otherwise).
      product: { type: "string" },
      name: { type: "string" },
      metadata: { type: "string" },
      plan: { type: "string" },
      project: { type: "string" },
      environments: { type: "string" },
      prefix: { type: "string" },
      actions: { type: "string" },
      "sync-flags": { type: "boolean", default: false },
    },
    request: (values) => {
      if (typeof values.installation !== "string") return "--installation is required";
      return {
        path: `/__emulator/installations/${encodeURIComponent(values.installation)}/resources`,
        body: {
          productId: values.product,
          name: values.name,
          metadata: json(values.metadata, "metadata"),
          billingPlanId: values.plan,
          project: values.project,
          environments: list(values.environments),
          prefix: values.prefix,
          actions: list(values.actions),
          syncFlags: values["sync-flags"] === true,
        },
      };
    },
  },
  deploy: {
    usage: "deploy --project my-app [--target preview|production] [--ref main] [--no-wait]",
    options: {
      project: { type: "string" },
      target: { type: "string", default: "preview" },
      ref: { type: "string" },
      "no-wait": { type: "boolean", default: false },
    },
    request: (values) => {
      if (typeof values.project !== "string") return "--project is required";
      return {
        path: "/__emulator/deployments",
        body: {
          project: values.project,
          target: values.target,
          ref: values.ref,
          wait: !values["no-wait"],
        },
      };
    },
    outcome: (answer, values) => {
      const result = DeployAnswer.safeParse(answer);
      if (!result.success) return { passed: false, line: "unexpected answer from the emulator" };
      const { state } = result.data.deployment;
      // Without waiting, a deployment still provisioning is what was asked for.
      return {
        passed: state === "ready" || values["no-wait"] === true,
        line: `deployment ${state}`,
      };
    },
  },
  trigger: {
    usage:
      "trigger <event> [--installation id] [--resource id] [--deployment id] [--invoice id]\n" +
      "            [--payload '{…}'] [--duplicates n] [--delay-ms n] [--tamper signature|body]",
    options: {
      installation: { type: "string" },
      resource: { type: "string" },
      project: { type: "string" },
      deployment: { type: "string" },
      invoice: { type: "string" },
      payload: { type: "string" },
      duplicates: { type: "string" },
      "delay-ms": { type: "string" },
      tamper: { type: "string" },
    },
    request: (values, positionals) => {
      const [type] = positionals;
      if (!type) return "the event type is required, e.g. trigger marketplace.invoice.paid";
      const number = (value: unknown) => (typeof value === "string" ? Number(value) : undefined);
      return {
        path: "/__emulator/webhooks",
        body: {
          type,
          payload: json(values.payload, "payload"),
          installationId: values.installation,
          resourceId: values.resource,
          projectId: values.project,
          deploymentId: values.deployment,
          invoiceId: values.invoice,
          duplicates: number(values.duplicates),
          delayMs: number(values["delay-ms"]),
          tamper: values.tamper,
        },
      };
    },
    outcome: (answer) => {
      const result = TriggerAnswer.safeParse(answer);
      if (!result.success) return { passed: false, line: "unexpected answer from the emulator" };
      const { verdict, passed, attempts } = result.data;
      return { passed, line: `${verdict} (${attempts.map(({ status }) => status).join(", ")})` };
    },
  },
};

export const VERB_USAGE = Object.values(VERBS)
  .map((verb) => `  partnerkit emulator ${verb.usage}`)
  .join("\n");

/**
 * `partnerkit emulator <verb>`: drives an emulator that is already running (`partnerkit dev` or
 * `partnerkit emulator`) through its control API and prints the JSON answer, like Stripe's CLI.
 */
export async function runEmulatorVerb(
  name: string,
  args: string[],
  env: Env,
  out: { stdout: (text: string) => void; stderr: (text: string) => void },
): Promise<number> {
  const verb = VERBS[name];
  if (!verb) return 1;
  const { values, positionals } = parseCommand(`Usage: partnerkit emulator ${verb.usage}\n`, {
    args,
    allowPositionals: true,
    options: {
      ...verb.options,
      "emulator-url": {
        type: "string",
        default: env.EMULATOR_URL ?? `http://localhost:${env.EMULATOR_PORT || 3100}`,
      },
    },
  });
  let request: ReturnType<Verb["request"]>;
  try {
    request = verb.request(values, positionals);
  } catch (error) {
    request = String((error as Error).message);
  }
  if (typeof request === "string") {
    out.stderr(
      `partnerkit emulator ${name}: ${request}\nUsage: partnerkit emulator ${verb.usage}\n`,
    );
    return 1;
  }
  const base = String(values["emulator-url"]).replace(/\/$/, "");
  let response: Response;
  try {
    response = await fetch(`${base}${request.path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request.body),
    });
  } catch (error) {
    out.stderr(
      `partnerkit emulator ${name}: no emulator at ${base} (${String(error)}); start one with \`npm run dev\` or \`partnerkit emulator\`\n`,
    );
    return 1;
  }
  const text = await response.text();
  const answer = parseJson(text);
  if (!response.ok) {
    out.stderr(`${prettyJson(answer, text)}\n`);
    return 1;
  }
  out.stdout(`${prettyJson(answer, text)}\n`);
  const outcome = verb.outcome?.(answer, values);
  if (!outcome) return 0;
  out.stderr(`partnerkit emulator ${name}: ${outcome.line}\n`);
  return outcome.passed ? 0 : 1;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const prettyJson = (answer: unknown, text: string) =>
  answer === undefined ? text : JSON.stringify(answer, null, 2);
