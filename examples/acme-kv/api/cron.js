import acmeKv from "../dist/index.js";
import { createAcmeKvFunctions } from "./_functions.js";

const functions = createAcmeKvFunctions({ integration: acmeKv });

/** Vercel Cron calls this path with GET and `Authorization: Bearer $CRON_SECRET`. */
export const GET = functions.cron;
