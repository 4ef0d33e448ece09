import type { Migration } from "kysely";
import { initial } from "./0001-initial.ts";
import { webhooksAndJobs } from "./0002-webhooks-and-jobs.ts";
import { actionRuns } from "./0003-action-runs.ts";
import { billing } from "./0004-billing.ts";
import { rotationsAndTransfers } from "./0004-rotations-and-transfers.ts";
import { actionRunStarter } from "./0005-action-run-starter.ts";
import { planHistory } from "./0006-plan-history.ts";
import { resourceOwners } from "./0007-resource-owners.ts";
import { invoicesPerInstallation } from "./0008-invoices-per-installation.ts";
import { jobLeases } from "./0009-job-leases.ts";
import { idempotencyOwners } from "./0011-idempotency-owners.ts";
import { installationLifecycle } from "./0012-installation-lifecycle.ts";
import { jobClaimIndex } from "./0013-job-claim-index.ts";
import { members } from "./0014-members.ts";
import { checkRuns } from "./0015-check-runs.ts";
import { flagSync } from "./0016-flag-sync.ts";
import { invoicedPeriods } from "./0017-invoiced-periods.ts";

/** Migrations of the framework's tables; written with Kysely's schema builder so both engines share them. */
export const migrations: Record<string, Migration> = {
  "0001-initial": initial,
  "0002-webhooks-and-jobs": webhooksAndJobs,
  "0003-action-runs": actionRuns,
  "0004-billing": billing,
  "0004-rotations-and-transfers": rotationsAndTransfers,
  "0005-action-run-starter": actionRunStarter,
  "0006-plan-history": planHistory,
  "0007-resource-owners": resourceOwners,
  "0008-invoices-per-installation": invoicesPerInstallation,
  "0009-job-leases": jobLeases,
  "0011-idempotency-owners": idempotencyOwners,
  "0012-installation-lifecycle": installationLifecycle,
  "0013-job-claim-index": jobClaimIndex,
  "0014-members": members,
  "0015-check-runs": checkRuns,
  "0016-flag-sync": flagSync,
  "0017-invoiced-periods": invoicedPeriods,
};
