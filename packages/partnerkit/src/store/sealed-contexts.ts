import type { IdempotencyScope } from "./records.ts";

// The associated data each sealed column binds its values to: a value copied to another row, or
// another column, does not open.

export const credentialsContext = (installationId: string) =>
  `installation:${installationId}:credentials`;

export const secretsContext = (resourceId: string) => `resource:${resourceId}:secrets`;

export const idempotencyContext = (scope: IdempotencyScope) =>
  `idempotency:${scope.installationId}:${scope.method}:${scope.path}:${scope.key}`;

export const previousSecretsContext = (rotationId: string) =>
  `secret-rotation:${rotationId}:previous`;

export const outcomeContext = (actionRunId: string) => `action-run:${actionRunId}:outcome`;
