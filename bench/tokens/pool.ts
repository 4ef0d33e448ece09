import { OnceFeed } from "../lib/request-feed.ts";

/**
 * Pre-minted tokens as a load's feed: each request takes the next one as its
 * `Authorization: Bearer`, and none is ever sent twice (see `OnceFeed`).
 */
export function bearerTokens(tokens: readonly string[]): OnceFeed<string> {
  return new OnceFeed(tokens, (token) => ({ headers: { authorization: `Bearer ${token}` } }));
}
