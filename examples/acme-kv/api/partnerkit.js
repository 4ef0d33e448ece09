import acmeKv from "../dist/index.js";
import { createAcmeKvFunctions } from "./_functions.js";

// Module scope: a warm instance keeps its database pool and finished setup between requests.
const functions = createAcmeKvFunctions({ integration: acmeKv });

/** Every path the rewrite in vercel.json sends here: Partner API, webhooks, data plane, probes. */
export default { fetch: functions.fetch };
