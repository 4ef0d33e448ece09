export { junitXml } from "./conformance/junit.ts";
export { CheckResult, ConformanceReport } from "./conformance/report.ts";
export { formatReport, runConformance } from "./conformance/run-conformance.ts";
export type { ConsoleProduct } from "./console/pages.ts";
export type { DeploymentChecks, DeploymentState, EmulatedDeployment } from "./deployments.ts";
export { createEmulator, type Emulator, type EmulatorOptions } from "./emulator.ts";
export type { Environment } from "./env-vars.ts";
export { describeProducts } from "./integration-products.ts";
export { MarketplaceIssuer } from "./issuer.ts";
export { PartnerCallError, PartnerClient } from "./partner-client.ts";
export type { RecordedCall } from "./recorder.ts";
export type {
  EmulatedInstallation,
  EmulatedProject,
  EmulatedResource,
  ProjectConnection,
} from "./state.ts";
export {
  type CheckRunBook,
  checkRunsOf,
  checkRunWebhookPayload,
  type EmulatedCheckRun,
} from "./vercel-api/routes/checks.ts";
