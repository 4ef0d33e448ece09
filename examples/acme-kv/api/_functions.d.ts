import type { IntegrationSource, Partnerkit, PartnerkitOptions } from "partnerkit";

/** `maxDuration` of api/cron.js in vercel.json, in seconds. */
export declare const CRON_MAX_DURATION_SECONDS: number;

export interface AcmeKvFunctionsOptions
  extends Pick<PartnerkitOptions, "keys" | "vercel" | "logger"> {
  integration: IntegrationSource;
  /** Default: `process.env`. */
  env?: Record<string, string | undefined>;
}

export interface AcmeKvFunctions {
  partnerkit: Partnerkit;
  /** api/partnerkit.js: every path the rewrite in vercel.json sends to it. */
  fetch(request: Request): Promise<Response>;
  /** api/cron.js: `tick()` behind `Authorization: Bearer <CRON_SECRET>`. */
  cron(request: Request): Promise<Response>;
}

export declare function createAcmeKvFunctions(options: AcmeKvFunctionsOptions): AcmeKvFunctions;
