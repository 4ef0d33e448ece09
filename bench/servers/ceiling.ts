import { freePort } from "../lib/free-port.ts";
import { repoFile } from "../lib/paths.ts";
import { BENCH_CLIENT_ID, BENCH_ISSUER } from "../tokens/issuer.ts";
import { CEILING_ENV } from "./ceiling-env.ts";
import { type ChildServer, startChildServer } from "./child-server.ts";
import { BENCH_CLIENT_SECRET } from "./partnerkit.ts";

export interface CeilingOptions {
  jwksUrl: string;
  /** The JSON it answers every verified request with: our server's real answer, for equal bytes. */
  body: string;
}

/** The ceiling: bare `node:http` doing only the token verification our server does. */
export async function startCeiling(options: CeilingOptions): Promise<ChildServer> {
  const port = await freePort();
  return startChildServer({
    name: "ceiling",
    entry: repoFile("bench/servers/ceiling-server.ts"),
    port,
    env: {
      NODE_ENV: "production",
      [CEILING_ENV.port]: String(port),
      [CEILING_ENV.jwksUrl]: options.jwksUrl,
      [CEILING_ENV.issuer]: BENCH_ISSUER,
      [CEILING_ENV.audience]: BENCH_CLIENT_ID,
      [CEILING_ENV.body]: options.body,
    },
  });
}

/**
 * The webhook ceiling: bare `node:http` reading each delivery, checking its signature with the
 * secret our server has and parsing it — what any receiver must do — then answering `body`.
 */
export async function startWebhookCeiling(options: { body: string }): Promise<ChildServer> {
  const port = await freePort();
  return startChildServer({
    name: "webhook ceiling",
    entry: repoFile("bench/servers/webhook-ceiling-server.ts"),
    port,
    env: {
      NODE_ENV: "production",
      [CEILING_ENV.port]: String(port),
      [CEILING_ENV.webhookSecret]: BENCH_CLIENT_SECRET,
      [CEILING_ENV.body]: options.body,
    },
  });
}
