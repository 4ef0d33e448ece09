import { z } from "zod";

/**
 * Vercel's answer to the code grant (spec §5.16; https://vercel.com/docs/rest-api/endpoints/authentication:
 * `id_token` required, `access_token` and `token_type` string or null, `expires_in` optional).
 * Extra fields are tolerated. Only `id_token` is used: the `access_token`/`refresh_token` it may
 * carry have no documented use for a partner yet (UNCONFIRMED) and are dropped at once.
 */
const ExchangeAnswer = z.object({
  id_token: z.string().min(1),
  token_type: z.string().nullish(),
  access_token: z.string().nullish(),
  refresh_token: z.string().nullish(),
  expires_in: z.coerce.number().nullish(),
});

export interface TokenExchangeOptions {
  /** `VERCEL_API_URL`. */
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  /** Sent only when set: the docs mark `redirect_uri` optional. */
  redirectUri?: string;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  timeoutMs?: number;
}

export type ExchangeResult =
  | { ok: true; idToken: string }
  /** Vercel refused the code (400/401/403/404/410…): used already, expired, or not ours. */
  | { ok: false; kind: "refused"; status: number }
  /** Vercel could not answer usefully (5xx, 429, a body without an id_token): 502. */
  | { ok: false; kind: "bad_gateway"; status?: number }
  /** Vercel was not reached (network, timeout): 503. */
  | { ok: false; kind: "unavailable" };

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * `POST <VERCEL_API_URL>/v1/integrations/sso/token` with the code grant.
 *
 * JSON, not a form: the REST reference documents the body as `application/json`
 * (https://vercel.com/docs/rest-api/authentication/sso-token-exchange) and `@vercel/sdk`'s
 * `marketplaceExchangeSsoToken` sends JSON. `grant_type` is described there as "for
 * x-www-form-urlencoded", yet the same schema lists it as required, so it is always sent (the
 * reference example's omission is defect §12.2 item 10). The answer is read as JSON or as a form,
 * whichever Vercel sends. Never throws; the code and the token are never logged.
 */
export async function exchangeSsoCode(
  grant: { code: string; state?: string },
  options: TokenExchangeOptions,
): Promise<ExchangeResult> {
  const body = {
    grant_type: "authorization_code",
    code: grant.code,
    ...(grant.state !== undefined && { state: grant.state }),
    client_id: options.clientId,
    client_secret: options.clientSecret,
    ...(options.redirectUri && { redirect_uri: options.redirectUri }),
  };
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  let response: Response;
  try {
    response = await send(`${options.apiUrl.replace(/\/$/, "")}/v1/integrations/sso/token`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch {
    return { ok: false, kind: "unavailable" };
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    return { ok: false, kind: "unavailable" };
  }
  if (response.status === 429 || response.status >= 500) {
    return { ok: false, kind: "bad_gateway", status: response.status };
  }
  if (response.status >= 400) return { ok: false, kind: "refused", status: response.status };
  if (response.status !== 200 && response.status !== 201) {
    return { ok: false, kind: "bad_gateway", status: response.status };
  }
  const answer = ExchangeAnswer.safeParse(readAnswer(text, response.headers.get("content-type")));
  if (!answer.success) return { ok: false, kind: "bad_gateway", status: response.status };
  return { ok: true, idToken: answer.data.id_token };
}

/** A JSON object, or a form body; JSON first unless the answer says it is a form. */
function readAnswer(text: string, contentType: string | null): unknown {
  const form = () => Object.fromEntries(new URLSearchParams(text));
  if (contentType?.includes("application/x-www-form-urlencoded")) return form();
  try {
    return JSON.parse(text);
  } catch {
    return form();
  }
}
