export { createVercelKeySet, type KeySetOptions } from "./auth/key-set.ts";
export {
  type TokenFailureReason,
  type VerifyTokenOptions,
  type VerifyTokenResult,
  verifyVercelToken,
} from "./auth/verify-token.ts";
export {
  signWebhookPayload,
  verifyWebhookSignature,
  type WebhookSignatureResult,
} from "./auth/webhook-signature.ts";
export { ConfigError, loadConfig, type ServerConfig } from "./config.ts";
export { PlanPrice, PricedPlan } from "./core/billing/pricing.ts";
export type { CheckDefinition, CheckInput, CheckRunResult } from "./core/checks-types.ts";
export * from "./core/define-integration.ts";
export type { FlagItemInput, FlagSync, FlagsConfig } from "./core/flags/flag-sync-types.ts";
export type { MemberDirectory, MemberRecord, MemberRole } from "./core/members.ts";
export { PartnerError, type PartnerErrorOptions } from "./core/partner-error.ts";
export { constantPlans } from "./core/plans.ts";
export type { WebhookContext, WebhookHandler } from "./core/webhook-handlers.ts";
export { type CronHandlerOptions, createCronHandler, DEFAULT_CRON_MAX_MS } from "./hosting/cron.ts";
export { createPartnerApp, type PartnerAppOptions } from "./http/app.ts";
export { type OpenApiOptions, partnerApiOpenApi } from "./http/openapi.ts";
export type { TokenVerifier } from "./http/vercel-auth.ts";
export { createLogger } from "./logger.ts";
export { type ConfigProblem, checkProductConfigs } from "./product/config-check.ts";
export { MetadataDialectError, metadataDialect } from "./product/metadata-dialect.ts";
export {
  MetadataField,
  UiCondition,
  UiControl,
  UiOption,
  VercelMetadataSchema,
} from "./product/metadata-schema.ts";
export {
  type ConsoleUrls,
  consoleUrls,
  type IntegrationConfig,
  productConfig,
} from "./product/product-config.ts";
export {
  PrimaryProtocol,
  ProductConfiguration,
  ProductProtocols,
  type ProductProtocolsInput,
} from "./product/product-configuration.ts";
export { UiHint } from "./product/ui-hint.ts";
export type { ExperimentationItem, FlagsConfigValue } from "./protocol/experimentation.ts";
export * from "./protocol/index.ts";
export { VercelAccountResponse, VercelMemberResponse } from "./protocol/vercel-api.ts";
export {
  ConfigurationPermissionUpgradedPayload,
  ConfigurationScopeChangePayload,
  ConfigurationTransferredPayload,
  type KnownWebhookType,
  MemberChangedPayload,
  type WebhookPayload,
  webhookInstallationIds,
} from "./protocol/webhooks.ts";
export {
  createPartnerkit,
  type IntegrationFactory,
  type IntegrationSetup,
  type IntegrationSource,
  migrateIntegration,
  type Partnerkit,
  type PartnerkitInternals,
  type PartnerkitOptions,
  type TickResult,
} from "./runtime.ts";
export { canWrite } from "./sso/dashboard-hook.ts";
export { type IdTokenResult, verifyIdToken } from "./sso/id-token.ts";
export { type PartnerPagesOptions, partnerPages } from "./sso/partner-pages.ts";
export type { DashboardSession } from "./sso/session.ts";
export { type VercelSsoLinkOptions, vercelSsoLink } from "./sso/sso-link.ts";
export type { SsoPath } from "./sso/sso-params.ts";
export {
  type Database,
  type Engine,
  type OpenDatabaseOptions,
  openDatabase,
} from "./store/database.ts";
export { createStore, migrateStore } from "./store/kysely-store.ts";
export type * from "./store/records.ts";
export { runMigrations } from "./store/run-migrations.ts";
export { SecretBox } from "./store/secret-box.ts";
export type { Store } from "./store/store.ts";
