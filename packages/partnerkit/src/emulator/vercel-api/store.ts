import { requestFingerprint } from "../../http/idempotency.ts";
import type { Balance } from "../../protocol/billing.ts";
import type { Notification } from "../../protocol/common.ts";
import type {
  ExperimentationItem,
  FlagsConfigPath,
  FlagsConfigValue,
  UpdateExperimentationItemBody,
} from "../../protocol/experimentation.ts";
import type {
  DeploymentActionStatus,
  Ownership,
  VercelAccountResponse,
  VercelBillingDataRequest,
  VercelDeployment,
  VercelDeploymentActionRequest,
  VercelEvent,
  VercelInvoice,
  VercelInvoiceState,
  VercelMemberResponse,
  VercelSubmitInvoiceRequest,
  VercelUpdateInstallationRequest,
} from "../../protocol/vercel-api.ts";
import { newId } from "../state.ts";
import { formatCents, invoiceTotalCents } from "./money.ts";
import { stripUndefined } from "./objects.ts";

/** What Vercel keeps of `PATCH /v1/installations/{id}` (spec §5.1). */
export type InstallationDetails = Omit<VercelUpdateInstallationRequest, "notification"> & {
  notification?: Notification;
};

export interface ReceivedEvent {
  at: string;
  event: VercelEvent;
}

export interface BillingSubmission {
  at: string;
  data: VercelBillingDataRequest;
}

export interface BalanceSubmission {
  at: string;
  timestamp: string;
  balances: Balance[];
}

export interface StoredInvoice {
  installationId: string;
  invoice: VercelInvoice;
  final: boolean;
}

export type ActionStatus = DeploymentActionStatus | "canceled";

export interface DeploymentActionRecord {
  deploymentId: string;
  installationId: string;
  resourceId: string;
  action: string;
  status?: ActionStatus;
  statusText?: string;
  statusUrl?: string;
  outcomes?: VercelDeploymentActionRequest["outcomes"];
  /** Every accepted report, oldest first. */
  reports: VercelDeploymentActionRequest[];
  updatedAt: string;
}

export interface ResourceExtras {
  ownership?: Ownership;
  extras?: Record<string, unknown>;
}

/** The flags configuration last pushed for a resource (spec §5.18), as Vercel answers it. */
export interface StoredFlagsConfig {
  items: Record<string, FlagsConfigValue>;
  /** A hash of the items' canonical JSON: `If-None-Match` and `If-Match` compare against it. */
  digest: string;
  /** Epoch milliseconds. */
  updatedAt: number;
  /** The endpoint name the partner pushed through, `global-config` or `edge-config`. */
  path: FlagsConfigPath;
}

/** The digest of a flags configuration: key order does not change it. */
export const flagsDigest = (items: Record<string, FlagsConfigValue>) =>
  requestFingerprint(JSON.stringify(items));

export interface DeploymentInput {
  id?: string;
  name?: string;
  url?: string;
  /** `null` (the default) is a preview deployment, as in Vercel's API. */
  target?: "production" | "staging" | null;
  ref?: string;
  sha?: string;
  org?: string;
  repo?: string;
  meta?: Record<string, string>;
  projectId?: string;
}

const TERMINAL: ReadonlySet<ActionStatus> = new Set(["succeeded", "failed", "canceled"]);

const actionKey = (deploymentId: string, resourceId: string, action: string) =>
  `${deploymentId}\u0000${resourceId}\u0000${action}`;

const DEFAULT_ACCOUNT: VercelAccountResponse = {
  // The same team the partner client announces in Upsert Installation.
  name: "Emulator Team",
  url: "https://vercel.com/emulator-team",
  contact: { email: "owner@emulator.test", name: "Emulator Owner" },
};

export type VercelApiSnapshot = ReturnType<VercelApiState["snapshot"]>;

/**
 * What Vercel keeps of the partner's calls to its REST API (spec §5), beside the installations
 * and resources in `EmulatorState`: interim billing, invoices, balances, events, deployment
 * action reports and the deployments a partner may look up.
 */
export class VercelApiState {
  readonly installationDetails = new Map<string, InstallationDetails>();
  readonly accounts = new Map<string, VercelAccountResponse>();
  /** Members other than the installing user, by installation then member id. */
  readonly members = new Map<string, Map<string, VercelMemberResponse>>();
  readonly events = new Map<string, ReceivedEvent[]>();
  /** Latest interim billing data per installation: Vercel keeps the latest for a period. */
  readonly billing = new Map<string, BillingSubmission>();
  /** Every accepted submission, oldest first: the console charts usage over time from it. */
  readonly billingHistory = new Map<string, BillingSubmission[]>();
  readonly balances = new Map<string, BalanceSubmission>();
  readonly invoices = new Map<string, StoredInvoice>();
  readonly resourceExtras = new Map<string, ResourceExtras>();
  readonly deployments = new Map<string, VercelDeployment>();
  /** Experimentation items by resource, then by item id (spec §5.18). */
  readonly experimentationItems = new Map<string, Map<string, ExperimentationItem>>();
  readonly flagsConfigs = new Map<string, StoredFlagsConfig>();
  private readonly actions = new Map<string, DeploymentActionRecord>();
  private invoiceCount = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Everything kept, as plain data for `state-file.ts`. */
  snapshot() {
    return {
      installationDetails: [...this.installationDetails],
      accounts: [...this.accounts],
      members: [...this.members].map(([id, members]) => [id, [...members.values()]] as const),
      events: [...this.events],
      billing: [...this.billing],
      billingHistory: [...this.billingHistory],
      balances: [...this.balances],
      invoices: [...this.invoices],
      resourceExtras: [...this.resourceExtras],
      deployments: [...this.deployments],
      actions: [...this.actions],
      experimentationItems: [...this.experimentationItems].map(
        ([resourceId, items]) => [resourceId, [...items.values()]] as const,
      ),
      flagsConfigs: [...this.flagsConfigs],
      invoiceCount: this.invoiceCount,
    };
  }

  restore(snapshot: VercelApiSnapshot): void {
    const fill = <K, V>(map: Map<K, V>, entries: readonly (readonly [K, V])[]) => {
      for (const [key, value] of entries) map.set(key, value);
    };
    fill(this.installationDetails, snapshot.installationDetails);
    fill(this.accounts, snapshot.accounts);
    for (const [id, members] of snapshot.members) {
      for (const member of members) this.setMember(id, member);
    }
    fill(this.events, snapshot.events);
    fill(this.billing, snapshot.billing);
    fill(this.billingHistory, snapshot.billingHistory);
    fill(this.balances, snapshot.balances);
    fill(this.invoices, snapshot.invoices);
    fill(this.resourceExtras, snapshot.resourceExtras);
    fill(this.deployments, snapshot.deployments);
    fill(this.actions, snapshot.actions);
    // A state file written before the experimentation API existed has neither.
    for (const [resourceId, items] of snapshot.experimentationItems ?? []) {
      this.upsertItems(resourceId, items);
    }
    fill(this.flagsConfigs, snapshot.flagsConfigs ?? []);
    this.invoiceCount = snapshot.invoiceCount;
  }

  account(installationId: string): VercelAccountResponse {
    return this.accounts.get(installationId) ?? DEFAULT_ACCOUNT;
  }

  setMember(installationId: string, member: VercelMemberResponse): void {
    const members = this.members.get(installationId) ?? new Map();
    members.set(member.id, member);
    this.members.set(installationId, members);
  }

  member(installationId: string, memberId: string): VercelMemberResponse | undefined {
    return this.members.get(installationId)?.get(memberId);
  }

  updateInstallation(
    installationId: string,
    patch: VercelUpdateInstallationRequest,
  ): InstallationDetails {
    const { notification, ...rest } = patch;
    const details: InstallationDetails = { ...this.installationDetails.get(installationId) };
    Object.assign(details, stripUndefined(rest));
    if (notification === null) delete details.notification;
    else if (notification) details.notification = notification;
    this.installationDetails.set(installationId, details);
    return details;
  }

  addEvent(installationId: string, event: VercelEvent): void {
    const events = this.events.get(installationId) ?? [];
    events.push({ at: this.timestamp(), event });
    this.events.set(installationId, events);
  }

  submitBilling(installationId: string, data: VercelBillingDataRequest): void {
    const submission = { at: this.timestamp(), data };
    this.billing.set(installationId, submission);
    this.billingHistory.set(installationId, [
      ...(this.billingHistory.get(installationId) ?? []),
      submission,
    ]);
  }

  submitBalances(installationId: string, timestamp: string, balances: Balance[]): void {
    this.balances.set(installationId, { at: this.timestamp(), timestamp, balances });
  }

  /** Stores an invoice; the same `externalId` on the same installation gives back the first one. */
  submitInvoice(installationId: string, request: VercelSubmitInvoiceRequest): StoredInvoice {
    if (request.externalId) {
      const existing = this.invoiceByExternalId(installationId, request.externalId);
      if (existing) return existing;
    }
    return this.keep(installationId, request, request.test?.result ?? "invoiced");
  }

  /**
   * An invoice Vercel issues itself, as for a prepaid credit purchase (spec §4.15): dated now,
   * for the day it was bought.
   */
  issueInvoice(
    installationId: string,
    items: VercelSubmitInvoiceRequest["items"],
    state: VercelInvoiceState,
  ): VercelInvoice {
    const at = this.timestamp();
    const period = { start: at, end: at };
    return this.keep(installationId, { invoiceDate: at, period, items }, state).invoice;
  }

  private keep(
    installationId: string,
    request: VercelSubmitInvoiceRequest,
    state: VercelInvoiceState,
  ): StoredInvoice {
    const at = this.timestamp();
    const invoice: VercelInvoice = {
      invoiceId: newId("inv"),
      ...(request.test && { test: true }),
      ...(request.externalId && { externalId: request.externalId }),
      state,
      invoiceNumber: `INV-${String(++this.invoiceCount).padStart(4, "0")}`,
      invoiceDate: request.invoiceDate,
      period: request.period,
      ...(state === "paid" && { paidAt: at }),
      ...(request.memo && { memo: request.memo }),
      items: request.items,
      ...(request.discounts && { discounts: request.discounts }),
      total: formatCents(invoiceTotalCents(request.items, request.discounts)),
      created: at,
      updated: at,
    };
    const stored = { installationId, invoice, final: request.final ?? false };
    this.invoices.set(invoice.invoiceId, stored);
    return stored;
  }

  invoice(installationId: string, invoiceId: string): StoredInvoice | undefined {
    const stored = this.invoices.get(invoiceId);
    return stored?.installationId === installationId ? stored : undefined;
  }

  /** Moves an invoice along, as Vercel's billing would (paid, notpaid, overdue, …). */
  setInvoiceState(invoiceId: string, state: VercelInvoiceState): VercelInvoice {
    const stored = this.invoices.get(invoiceId);
    if (!stored) throw new Error(`No invoice ${invoiceId}`);
    const at = this.timestamp();
    stored.invoice = {
      ...stored.invoice,
      state,
      updated: at,
      ...(state === "paid" && { paidAt: at }),
      ...(state === "refunded" && { refundedAt: at }),
    };
    return stored.invoice;
  }

  refund(stored: StoredInvoice, reason: string, total: string): VercelInvoice {
    // Spec §5.13: an unpaid (notpaid/overdue) invoice waits in refund_requested; a paid one is
    // refunded, an uncharged one cancelled. The state enum has no "canceled", so an uncharged
    // invoice also ends as refunded (UNCONFIRMED).
    const pending = stored.invoice.state === "notpaid" || stored.invoice.state === "overdue";
    const at = this.timestamp();
    stored.invoice = {
      ...stored.invoice,
      state: pending ? "refund_requested" : "refunded",
      refundReason: reason,
      refundTotal: total,
      ...(!pending && { refundedAt: at }),
      updated: at,
    };
    return stored.invoice;
  }

  createDeployment(input: DeploymentInput = {}): VercelDeployment {
    const id = input.id ?? newId("dpl");
    const name = input.name ?? "emulator-app";
    const ref = input.ref ?? "main";
    const sha = input.sha ?? "0000000000000000000000000000000000000000";
    const org = input.org ?? "emulator";
    const repo = input.repo ?? name;
    const created = this.now().getTime();
    const deployment: VercelDeployment = {
      id,
      url: input.url ?? `${name}-${id.slice(-9)}-emulator-team.vercel.app`,
      name,
      projectId: input.projectId ?? "prj_emulator",
      ownerId: "team_emulator",
      target: input.target ?? null,
      // Integration actions run while the build is held (spec §7).
      readyState: "BUILDING",
      status: "BUILDING",
      type: "LAMBDAS",
      version: 2,
      public: false,
      aliasAssigned: false,
      buildSkipped: false,
      createdAt: created,
      buildingAt: created,
      bootedAt: created,
      regions: ["iad1"],
      creator: { uid: "user_emulator", username: "emulator" },
      gitSource: { type: "github", org, repo, ref, sha, prId: null },
      meta: {
        githubCommitRef: ref,
        githubCommitSha: sha,
        githubOrg: org,
        githubRepo: repo,
        ...input.meta,
      },
    };
    this.deployments.set(id, deployment);
    return deployment;
  }

  deployment(idOrUrl: string): VercelDeployment | undefined {
    const bare = idOrUrl.replace(/^https?:\/\//, "");
    return (
      this.deployments.get(idOrUrl) ??
      [...this.deployments.values()].find((deployment) => deployment.url === bare)
    );
  }

  action(deploymentId: string, resourceId: string, action: string) {
    return this.actions.get(actionKey(deploymentId, resourceId, action));
  }

  listActions(installationId?: string): DeploymentActionRecord[] {
    return [...this.actions.values()].filter(
      (record) => !installationId || record.installationId === installationId,
    );
  }

  /**
   * Applies a status report. A report after the action ended is refused unless it repeats the
   * final status (a retried PATCH must stay harmless); spec §7 leaves this UNCONFIRMED.
   */
  reportAction(
    target: { deploymentId: string; installationId: string; resourceId: string; action: string },
    report: VercelDeploymentActionRequest,
  ): { ok: true; record: DeploymentActionRecord } | { ok: false; status: ActionStatus } {
    const key = actionKey(target.deploymentId, target.resourceId, target.action);
    const previous = this.actions.get(key);
    if (previous?.status && TERMINAL.has(previous.status) && report.status !== previous.status) {
      return { ok: false, status: previous.status };
    }
    const record: DeploymentActionRecord = {
      ...target,
      ...previous,
      ...stripUndefined(report),
      reports: [...(previous?.reports ?? []), report],
      updatedAt: this.timestamp(),
    };
    this.actions.set(key, record);
    return { ok: true, record };
  }

  /** Vercel's side of `deployment.integration.action.cancel`: later reports are refused. */
  cancelAction(target: {
    deploymentId: string;
    installationId: string;
    resourceId: string;
    action: string;
  }): void {
    const key = actionKey(target.deploymentId, target.resourceId, target.action);
    const previous = this.actions.get(key);
    this.actions.set(key, {
      ...target,
      ...previous,
      status: "canceled",
      reports: previous?.reports ?? [],
      updatedAt: this.timestamp(),
    });
  }

  experimentationItemsOf(resourceId: string): ExperimentationItem[] {
    return [...(this.experimentationItems.get(resourceId)?.values() ?? [])];
  }

  /**
   * Adds items to a resource's list. An id already listed is replaced by the new item: Vercel's
   * reference says nothing of a duplicate id, and replacing it is the tolerant reading
   * (UNCONFIRMED; Vercel might answer 409).
   */
  upsertItems(resourceId: string, items: readonly ExperimentationItem[]): void {
    const kept = this.experimentationItems.get(resourceId) ?? new Map();
    for (const item of items) kept.set(item.id, item);
    this.experimentationItems.set(resourceId, kept);
  }

  /** Applies a PATCH to an item; false when the resource lists no such item. */
  updateItem(resourceId: string, itemId: string, patch: UpdateExperimentationItemBody): boolean {
    const kept = this.experimentationItems.get(resourceId);
    const previous = kept?.get(itemId);
    if (!kept || !previous) return false;
    kept.set(itemId, { ...previous, ...patch, id: itemId });
    return true;
  }

  deleteItem(resourceId: string, itemId: string): boolean {
    return this.experimentationItems.get(resourceId)?.delete(itemId) ?? false;
  }

  /** Replaces a resource's flags configuration, stamped now with its new digest. */
  pushFlagsConfig(
    resourceId: string,
    items: Record<string, FlagsConfigValue>,
    path: FlagsConfigPath,
  ): StoredFlagsConfig {
    const config = { items, digest: flagsDigest(items), updatedAt: this.now().getTime(), path };
    this.flagsConfigs.set(resourceId, config);
    return config;
  }

  private invoiceByExternalId(installationId: string, externalId: string) {
    for (const stored of this.invoices.values()) {
      if (stored.installationId === installationId && stored.invoice.externalId === externalId)
        return stored;
    }
    return undefined;
  }

  private timestamp(): string {
    return this.now().toISOString();
  }
}
