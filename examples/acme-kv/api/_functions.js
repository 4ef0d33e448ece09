import {
  ConfigError,
  createCronHandler,
  createLogger,
  createPartnerkit,
  loadConfig,
} from "partnerkit";

/** `maxDuration` of api/cron.js in vercel.json, in seconds. */
export const CRON_MAX_DURATION_SECONDS = 60;

/**
 * Acme KV as two Vercel Functions, configured from the environment like `partnerkit start`, plus
 * `CRON_SECRET`. There is no resident worker: a webhook is stored and answered at once, and its
 * job runs when the cron route calls `tick()`.
 *
 * @param {import("./_functions.js").AcmeKvFunctionsOptions} options
 * @returns {import("./_functions.js").AcmeKvFunctions}
 */
export function createAcmeKvFunctions({ integration, env = process.env, keys, vercel, logger }) {
  const config = loadConfig(env);
  if (env.VERCEL) checkVercelConfig(env, config.databaseUrl);
  if (!env.CRON_SECRET?.trim()) {
    throw new ConfigError("Missing required environment variable CRON_SECRET");
  }
  const log = logger ?? createLogger(env.LOG_LEVEL);
  const partnerkit = createPartnerkit({ ...config, integration, logger: log, keys, vercel });
  const cron = createCronHandler(partnerkit, {
    secret: env.CRON_SECRET,
    // Half the function's duration: jobs claimed near the end still have time to finish.
    maxMs: (CRON_MAX_DURATION_SECONDS * 1000) / 2,
    logger: log,
  });
  return { partnerkit, fetch: (request) => partnerkit.fetch(request), cron };
}

/** @param {Record<string, string | undefined>} env @param {string} databaseUrl */
function checkVercelConfig(env, databaseUrl) {
  // Function instances have no persistent disk and do not share one: SQLite would lose its data.
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL must be a postgres:// URL on Vercel");
  }
  if (!env.PUBLIC_URL?.trim()) {
    throw new ConfigError("Missing required environment variable PUBLIC_URL");
  }
}
