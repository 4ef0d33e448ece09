/** What one request adds to, or changes in, a load's fixed method, path and headers. */
export interface RequestPart {
  headers?: Record<string, string>;
  body?: Buffer | string;
  method?: "GET" | "POST" | "PATCH";
  path?: string;
  /** What kind of request it is, for a load that keeps latencies per kind (`byLabel`). */
  label?: string;
}

/** Where a load takes each request's own part from; see `OnceFeed`. */
export interface RequestFeed {
  readonly size: number;
  readonly used: number;
  readonly remaining: number;
  /** The next request's part, or `undefined` once the feed is spent — never a repeat. */
  take(): RequestPart | undefined;
}

/**
 * Hands out prepared items — tokens, signed deliveries — one per request, each at most once, so
 * the server has nothing to cache. One array can back several feeds, one per server: each item
 * is then seen once by each server process.
 */
export class OnceFeed<T> implements RequestFeed {
  #next = 0;

  constructor(
    private readonly items: readonly T[],
    private readonly toPart: (item: T) => RequestPart,
  ) {}

  get size(): number {
    return this.items.length;
  }

  get used(): number {
    return this.#next;
  }

  get remaining(): number {
    return this.items.length - this.#next;
  }

  take(): RequestPart | undefined {
    if (this.#next >= this.items.length) return undefined;
    const item = this.items[this.#next] as T;
    this.#next += 1;
    return this.toPart(item);
  }
}
