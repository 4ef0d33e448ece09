/** The environment variables the ceiling servers are configured by. */
export const CEILING_ENV = {
  port: "CEILING_PORT",
  jwksUrl: "CEILING_JWKS_URL",
  issuer: "CEILING_ISSUER",
  audience: "CEILING_AUDIENCE",
  body: "CEILING_BODY",
  /** `webhook-ceiling-server.ts`: the client secret deliveries are signed with. */
  webhookSecret: "CEILING_WEBHOOK_SECRET",
} as const;
