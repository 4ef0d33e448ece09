/**
 * Child-process entry of the ceiling server: for every request, the same jose verification our
 * server performs (same remote key set, issuer, audience, RS256, `exp` required, clock tolerance),
 * then a static JSON body. Nothing else — no routing, logging, database or framework.
 */
import { createServer } from "node:http";
import { jwtVerify } from "jose";
import { createVercelKeySet } from "../../packages/partnerkit/src/auth/key-set.ts";
import { CEILING_ENV } from "./ceiling-env.ts";

const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-_.]+)[ \t]*$/i;
const CLOCK_TOLERANCE_SECONDS = 30;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`ceiling-server: ${name} is not set`);
  return value;
}

const keys = createVercelKeySet(required(CEILING_ENV.jwksUrl));
const issuer = required(CEILING_ENV.issuer);
const audience = required(CEILING_ENV.audience);
const body = required(CEILING_ENV.body);
const unauthorized = JSON.stringify({ error: { code: "unauthorized", message: "Invalid token" } });

const server = createServer(async (request, response) => {
  const token = BEARER.exec(request.headers.authorization ?? "")?.[1];
  let verified = false;
  if (token) {
    try {
      await jwtVerify(token, keys, {
        algorithms: ["RS256"],
        issuer,
        audience,
        requiredClaims: ["exp"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      verified = true;
    } catch {
      verified = false;
    }
  }
  response.writeHead(verified ? 200 : 401, { "content-type": "application/json" });
  response.end(verified ? body : unauthorized);
});

server.listen(Number(required(CEILING_ENV.port)), "127.0.0.1");
process.once("SIGTERM", () => server.close(() => process.exit(0)));
