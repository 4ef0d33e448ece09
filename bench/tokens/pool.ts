/**
 * Hands out pre-minted tokens, each at most once. One array can back several pools, one per
 * server: a token is then seen once by each server process, which still leaves nothing to cache.
 */
export class TokenPool {
  #next = 0;

  constructor(private readonly tokens: readonly string[]) {}

  get size(): number {
    return this.tokens.length;
  }

  get used(): number {
    return this.#next;
  }

  get remaining(): number {
    return this.tokens.length - this.#next;
  }

  /** The next unused token, or `undefined` once the pool is spent — never a repeat. */
  take(): string | undefined {
    if (this.#next >= this.tokens.length) return undefined;
    const token = this.tokens[this.#next];
    this.#next += 1;
    return token;
  }
}
