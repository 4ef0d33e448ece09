const DEFAULT_CAPACITY = 1000;

/**
 * Values read from the database, served again for as long as its change counter stands still
 * (see `Database.changeCounter`); every entry is dropped when it moves. Callers read the counter
 * before loading, so a loaded value is never older than the version it is kept under, and a value
 * is not kept once another read has seen the counter move past that version.
 *
 * Cached values are shared by every caller, so they are frozen.
 */
export class VersionedCache<Value extends object> {
  readonly #entries = new Map<string, Value>();
  #version = -1;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** `version` is the change counter as read before this call. */
  async get(
    version: number,
    key: string,
    load: () => Promise<Value | undefined>,
  ): Promise<Value | undefined> {
    if (version > this.#version) {
      this.#entries.clear();
      this.#version = version;
    }
    const cached = version === this.#version ? this.#entries.get(key) : undefined;
    if (cached) return cached;
    const value = await load();
    if (value !== undefined) this.#remember(key, version, deepFreeze(value));
    return value;
  }

  #remember(key: string, version: number, value: Value) {
    // Another read saw the counter move since `version`: the value may be out of date.
    if (version !== this.#version) return;
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, value);
  }
}

/** Freezes `value` and everything it holds. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
