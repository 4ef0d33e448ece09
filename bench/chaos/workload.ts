import type { DeploymentState } from "../../packages/partnerkit/src/emulator/deployments.ts";
import type { Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { samplePayload } from "../../packages/partnerkit/src/emulator/sample-events.ts";
import type { Progress } from "./progress.ts";

/** What Vercel does to the partner during a run. */
export interface WorkloadPlan {
  /** Installations that stay; one more is uninstalled with cascade mid-run. */
  installations: number;
  /** Resources per installation connected to a project whose deployments run the action. */
  resourcesPerInstallation: number;
  deployments: number;
  /** Deployments in flight at once. */
  concurrency: number;
  /** Every n-th deployment is canceled as soon as its start is delivered. */
  cancelEvery: number;
  /** Every n-th deployment that settled is deleted (its action's cleanup). */
  removeEvery: number;
  rotations: number;
  transfers: number;
  /** When the uninstall comes, as a fraction of the deployments done. */
  uninstallAt: number;
}

export interface DeploymentOutcome {
  id: string;
  projectId: string;
  state: DeploymentState;
  removed: boolean;
}

/** One thing Vercel asked for that the partner did not do (after Vercel's retries). */
export interface Failure {
  operation: string;
  error: string;
}

export interface WorkloadRecord {
  deployments: DeploymentOutcome[];
  rotations: number;
  transfers: number;
  uninstalled?: { installationId: string; resourceIds: string[] };
  failures: Failure[];
}

interface Target {
  installationId: string;
  resourceId: string;
}

interface Connected extends Target {
  projectId: string;
}

/** Vercel waits this long for a deployment's actions; a kill costs a lease (15 s) and more. */
const SETTLE_TIMEOUT_MS = 180_000;
const PRODUCT = { productId: "acme-kv", metadata: { region: "iad1" }, billingPlanId: "free" };

/**
 * Plays Vercel's part of a run through the emulator: installations with resources connected to
 * projects, then deployments with their actions (some canceled, some deleted afterwards) while
 * secrets are rotated, resources transferred between installations and one installation
 * uninstalled with cascade, its removed webhook racing the DELETE.
 */
export class Workload {
  private readonly record: WorkloadRecord = {
    deployments: [],
    rotations: 0,
    transfers: 0,
    failures: [],
  };
  private projects: string[] = [];
  private rotated: Target[] = [];
  private transferred: string[] = [];
  private live: string[] = [];
  private doomed: { installationId: string; projects: string[]; resourceIds: string[] } | undefined;
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private doomedClosed = false;

  constructor(
    private readonly emulator: Emulator,
    private readonly plan: WorkloadPlan,
    private readonly progress: Progress,
  ) {}

  /** Installs and provisions everything the run works on. */
  async setUp(): Promise<void> {
    this.live = await Promise.all(
      Array.from({ length: this.plan.installations }, () => this.install()),
    );
    for (const installationId of this.live) {
      const connected = await this.connectedResources(
        installationId,
        this.plan.resourcesPerInstallation,
      );
      this.rotated.push(connected[0] as Target);
    }
    // Resources that change hands are connected to nothing: a deployment never races a transfer.
    const first = this.live[0] as string;
    for (let index = 0; index < Math.min(2, this.plan.transfers); index++) {
      this.transferred.push((await this.provision(first, `moving-${index}`)).resourceId);
    }
    const doomed = await this.install();
    const resources = await this.connectedResources(doomed, 2);
    this.doomed = {
      installationId: doomed,
      projects: resources.map((resource) => resource.projectId),
      resourceIds: resources.map((resource) => resource.resourceId),
    };
  }

  /** Runs every activity to its end; what Vercel did not get is in `failures`. */
  async run(): Promise<WorkloadRecord> {
    await Promise.all([this.deployAll(), this.rotate(), this.transfer(), this.uninstall()]);
    return this.record;
  }

  private async install(): Promise<string> {
    return (await this.emulator.partner.install()).id;
  }

  private async provision(installationId: string, name: string): Promise<Target> {
    const resource = await this.emulator.partner.provision(installationId, { ...PRODUCT, name });
    return { installationId, resourceId: resource.id };
  }

  /** Resources each connected to a project of their own, with the project-connected webhook. */
  private async connectedResources(installationId: string, count: number): Promise<Connected[]> {
    const connected: Connected[] = [];
    for (let index = 0; index < count; index++) {
      const target = await this.provision(installationId, `store-${index}`);
      const project = this.emulator.state.createProject(`app-${target.resourceId}`);
      this.emulator.state.connect(project.id, {
        resourceId: target.resourceId,
        environments: ["preview", "production"],
        actions: ["branch"],
      });
      const payload = samplePayload("integration-resource.project-connected", this.emulator.state, {
        ...target,
        projectId: project.id,
      });
      const delivery = await this.emulator.deliver(
        "integration-resource.project-connected",
        payload ?? {},
      );
      if (!delivery.delivered)
        this.fail(`project-connected of ${target.resourceId}`, "undelivered");
      this.projects.push(project.id);
      connected.push({ ...target, projectId: project.id });
    }
    return connected;
  }

  private async deployAll(): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < this.plan.deployments) {
        const index = next++;
        await this.progress.mayStart(index);
        const projects = this.projects.filter(
          (project) => !this.doomedClosed || !this.doomed?.projects.includes(project),
        );
        const projectId = projects[index % projects.length] as string;
        const deployment = this.deploy(index, projectId);
        this.inFlight.set(`${index}`, deployment);
        try {
          this.record.deployments.push(await deployment);
        } catch (error) {
          this.fail(`deployment ${index} of ${projectId}`, error);
        } finally {
          this.inFlight.delete(`${index}`);
          this.progress.advance();
        }
      }
    };
    await Promise.all(Array.from({ length: this.plan.concurrency }, worker));
  }

  private async deploy(index: number, projectId: string): Promise<DeploymentOutcome> {
    const { deployments } = this.emulator;
    const { id } = await deployments.deploy(projectId);
    if ((index + 1) % this.plan.cancelEvery === 0) {
      // Canceled, unless its action was quicker: then it is ready and stays.
      const { state } = await deployments.cancel(id);
      return { id, projectId, state, removed: false };
    }
    const { state } = await deployments.waitUntilSettled(id, SETTLE_TIMEOUT_MS);
    const removed = (index + 1) % this.plan.removeEvery === 0;
    if (removed) await deployments.remove(id);
    return { id, projectId, state, removed };
  }

  private async rotate(): Promise<void> {
    for (let index = 0; index < this.plan.rotations; index++) {
      await this.progress.reached((0.9 * index) / this.plan.rotations);
      const { resourceId } = this.rotated[index % this.rotated.length] as Target;
      const installationId = this.ownerOf(resourceId);
      try {
        await this.emulator.partner.rotateSecrets(installationId, resourceId, {
          reason: `chaos-${index}`,
          delayOldSecretsExpirationHours: 0,
        });
        this.record.rotations++;
      } catch (error) {
        this.fail(`rotation ${index} of ${resourceId}`, error);
      }
    }
  }

  private async transfer(): Promise<void> {
    if (this.transferred.length === 0) return;
    for (let index = 0; index < this.plan.transfers; index++) {
      await this.progress.reached((0.9 * index) / this.plan.transfers);
      const resourceId = this.transferred[index % this.transferred.length] as string;
      const source = this.ownerOf(resourceId);
      const targets = this.live.filter((installationId) => installationId !== source);
      const target = targets[index % targets.length] as string;
      const { partner } = this.emulator;
      try {
        const claim = await partner.createTransfer(source, [resourceId], Date.now() + 3_600_000);
        await partner.verifyTransfer(target, claim);
        await partner.acceptTransfer(target, claim);
        this.record.transfers++;
      } catch (error) {
        this.fail(`transfer ${index} of ${resourceId} to ${target}`, error);
      }
    }
  }

  /** DELETE with cascade and the removed webhook at once, once the doomed project is idle. */
  private async uninstall(): Promise<void> {
    const doomed = this.doomed;
    if (!doomed) return;
    await this.progress.reached(this.plan.uninstallAt);
    this.doomedClosed = true;
    await Promise.allSettled(this.inFlight.values());
    const removed = samplePayload("integration-configuration.removed", this.emulator.state, {
      installationId: doomed.installationId,
    });
    const [deleted, delivered] = await Promise.allSettled([
      this.emulator.partner.uninstall(doomed.installationId, { cascade: true }),
      this.emulator.deliver("integration-configuration.removed", removed ?? {}),
    ]);
    if (deleted.status === "rejected") this.fail("uninstall", deleted.reason);
    if (delivered.status === "rejected" || !delivered.value.delivered)
      this.fail(
        "removed webhook",
        delivered.status === "rejected" ? delivered.reason : "undelivered",
      );
    this.record.uninstalled = {
      installationId: doomed.installationId,
      resourceIds: doomed.resourceIds,
    };
  }

  private ownerOf(resourceId: string): string {
    const resource = this.emulator.state.resources.get(resourceId);
    if (!resource) throw new Error(`Vercel does not know ${resourceId}`);
    return resource.installationId;
  }

  private fail(operation: string, error: unknown): void {
    this.record.failures.push({
      operation,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
