import { createHash } from "node:crypto";
import type { BenchCaller } from "../tokens/issuer.ts";

/**
 * The ids of a bulk-seeded data set, derived from its seed so the load can address any
 * installation or resource without reading them back. They look like the real ones (Vercel's
 * `icfg_…`, the framework's `res_` + 16 base64url characters) and are as scattered: consecutive
 * numbers do not sit next to each other in an index.
 */
export class DatasetIds {
  constructor(readonly seed: string) {}

  /** The installation the template rows were written for, through the Partner API. */
  get templateCaller(): BenchCaller {
    return {
      installationId: `icfg_template_${this.#digest("template").toString("hex").slice(0, 12)}`,
      accountId: "team_bench_template",
      userId: "user_bench_dataset",
    };
  }

  /** Who speaks for installation `n`: its team's account, and the template's user. */
  caller(n: number): BenchCaller {
    return {
      installationId: this.installation(n),
      accountId: this.account(n),
      userId: this.templateCaller.userId,
    };
  }

  installation(n: number): string {
    return `icfg_${this.#digest(`installation:${n}`).toString("hex").slice(0, 24)}`;
  }

  /** The team that installed installation `n`. */
  account(n: number): string {
    return `team_${this.#digest(`account:${n}`).toString("hex").slice(0, 24)}`;
  }

  /** The `k`-th resource of installation `n`. */
  resource(n: number, k: number): string {
    return `res_${this.#digest(`resource:${n}:${k}`).subarray(0, 12).toString("base64url")}`;
  }

  /** The access token Vercel handed installation `n` (what it calls Vercel with). */
  accessToken(n: number): string {
    return `vercel_token_${this.#digest(`token:${n}`).toString("base64url").slice(0, 32)}`;
  }

  #digest(what: string): Buffer {
    return createHash("sha256").update(`${this.seed}:${what}`).digest();
  }
}
