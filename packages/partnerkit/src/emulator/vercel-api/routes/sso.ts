import { randomBytes } from "node:crypto";
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { EmulatorState } from "../../state.ts";
import type { VercelApiDeps, VercelApiEnv } from "../context.ts";
import { ApiError, issuesToFields } from "../errors.ts";

/** How long a code may wait for its exchange: Vercel's is short-lived (spec §9.1; length UNCONFIRMED). */
export const SSO_CODE_TTL_MS = 5 * 60_000;

interface SsoGrant {
  installationId: string;
  state: string;
  /** Signed when the user opened the integration, for the user who did. */
  idToken: string;
  expiresAt: number;
  used: boolean;
}

/**
 * The codes of "Open in provider": minted by the console's authorize step, redeemed once by the
 * partner's exchange. One store per emulator (its state), so that both sides see the same codes
 * without another constructor option; codes live in memory only, they are minutes old at most.
 */
export class SsoCodes {
  readonly #grants = new Map<string, SsoGrant>();

  mint(
    grant: { installationId: string; state: string; idToken: string },
    now = Date.now(),
  ): string {
    for (const [code, stored] of this.#grants) {
      if (stored.expiresAt <= now) this.#grants.delete(code);
    }
    const code = `sso_${randomBytes(24).toString("base64url")}`;
    this.#grants.set(code, { ...grant, expiresAt: now + SSO_CODE_TTL_MS, used: false });
    return code;
  }

  /** The grant, once: a second redemption, an expired or an unknown code gets `undefined`. */
  redeem(code: string, now = Date.now()): SsoGrant | undefined {
    const grant = this.#grants.get(code);
    if (!grant || grant.used || grant.expiresAt <= now) return undefined;
    grant.used = true;
    return grant;
  }
}

const codesByState = new WeakMap<EmulatorState, SsoCodes>();

export function ssoCodes(state: EmulatorState): SsoCodes {
  let codes = codesByState.get(state);
  if (!codes) {
    codes = new SsoCodes();
    codesByState.set(state, codes);
  }
  return codes;
}

/**
 * The code grant of spec §5.16 as the REST reference documents it
 * (https://vercel.com/docs/rest-api/authentication/sso-token-exchange): `code`, `client_id`,
 * `client_secret` and `grant_type` required; `state` and `redirect_uri` optional. The refresh
 * grant is not emulated.
 */
const CodeGrant = z.object({
  code: z.string().min(1),
  state: z.string().optional(),
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  redirect_uri: z.string().optional(),
  grant_type: z.literal("authorization_code"),
});

/** `POST /v1/integrations/sso/token` (spec §5.16): JSON or form body, no bearer token. */
export function ssoRoutes({ state, client }: VercelApiDeps) {
  const routes = new Hono<VercelApiEnv>();
  routes.post("/v1/integrations/sso/token", async (c) => {
    const parsed = CodeGrant.safeParse(await readGrant(c));
    if (!parsed.success) throw ApiError.invalid(issuesToFields(parsed.error.issues));
    const body = parsed.data;
    if (!client || body.client_id !== client.id || body.client_secret !== client.secret) {
      throw new ApiError(403, "forbidden", "Invalid client credentials");
    }
    const grant = ssoCodes(state).redeem(body.code);
    if (!grant) {
      throw new ApiError(400, "invalid_grant", "The code is invalid, expired or already used");
    }
    if (body.state !== undefined && body.state !== grant.state) {
      throw new ApiError(400, "invalid_grant", "The state does not match the code's");
    }
    return c.json({ id_token: grant.idToken, token_type: "Bearer", access_token: null }, 200);
  });
  return routes;
}

async function readGrant(c: Context<VercelApiEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (c.req.header("content-type")?.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    return JSON.parse(text);
  } catch {
    throw ApiError.badRequest("Invalid request: the body is not JSON or a form");
  }
}
