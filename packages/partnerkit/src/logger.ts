import pino, { type Logger } from "pino";

/**
 * Structured logs. Tokens and secrets are never logged on purpose; redaction is the safety net
 * for a field that slips into a log call anyway.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    level,
    redact: {
      paths: [
        "authorization",
        "*.authorization",
        "headers.authorization",
        "*.headers.authorization",
        "access_token",
        "*.access_token",
        "credentials",
        "*.credentials",
        "secrets",
        "*.secrets",
        "token",
        "*.token",
        "clientSecret",
        "*.clientSecret",
      ],
      censor: "[redacted]",
    },
  });
}
