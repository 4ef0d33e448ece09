/** The environment variables `ceiling-server.ts` is configured by. */
export const CEILING_ENV = {
  port: "CEILING_PORT",
  jwksUrl: "CEILING_JWKS_URL",
  issuer: "CEILING_ISSUER",
  audience: "CEILING_AUDIENCE",
  body: "CEILING_BODY",
} as const;
