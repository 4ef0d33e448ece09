import { randomBytes, randomUUID } from "node:crypto";
import type { Secret } from "../protocol/common.ts";
import type { Resource } from "../protocol/resources.ts";
import type { VerifyTransferResponse } from "../protocol/transfers.ts";
import { type Environment, experimentationEnv, secretsToEnv } from "./env-vars.ts";

export interface EmulatedInstallation {
  id: string;
  accountId: string;
  userId: string;
  /** The installation access token handed to the partner; the Vercel API fake accepts it. */
  accessToken: string;
  /** Older tokens still live after a credential rotation, until they are revoked (spec §5.4). */
  previousTokens?: string[];
  status: "installed" | "uninstalled";
  finalized?: boolean;
}

export interface EmulatedResource extends Resource {
  installationId: string;
  /** Installations a transfer moved it away from: they still bill the time they had it. */
  formerInstallationIds?: string[];
  secrets: Secret[];
  deleted: boolean;
  /** Epoch milliseconds when Vercel first kept the resource (provisioned or imported). */
  provisionedAt?: number;
  /**
   * The Edge Config Vercel made for the resource's flags when the user turned syncing on (spec
   * §11.3). Vercel's own record: a partner's answer that leaves out `protocolSettings` keeps it.
   */
  edgeConfig?: EdgeConfigLink;
}

export interface EdgeConfigLink {
  /** `ecfg_…`, sent to the partner as `protocolSettings.experimentation.edgeConfigId`. */
  id: string;
  /** The read token of its connection string. */
  token: string;
  /** Epoch milliseconds. */
  createdAt: number;
}

export interface ProjectConnection {
  resourceId: string;
  environments: Environment[];
  prefix?: string;
  /** Deployment action slugs to run on each deployment of the project (spec §7 step 2). */
  actions?: string[];
}

export interface EmulatedProject {
  id: string;
  name: string;
  connections: ProjectConnection[];
}

/** A resource transfer claim Vercel asked a partner for (spec §4.16), and how far it got. */
export interface EmulatedTransfer {
  /** The partner's `providerClaimId`. */
  id: string;
  sourceInstallationId: string;
  resourceIds: string[];
  /** Epoch milliseconds. */
  expiresAt: number;
  /** The last verification the partner answered 200 to. */
  verified?: { targetInstallationId: string; answer: VerifyTransferResponse };
  /** The installation the partner accepted the claim into. */
  acceptedBy?: string;
}

/** Whether `token` is one of the installation's live access tokens. */
export const holdsToken = (installation: EmulatedInstallation, token: string) =>
  installation.accessToken === token || (installation.previousTokens ?? []).includes(token);

export const newId = (prefix: string) => `${prefix}_${randomBytes(8).toString("hex")}`;

export const newEdgeConfig = (): EdgeConfigLink => ({
  id: newId("ecfg"),
  token: randomUUID(),
  createdAt: Date.now(),
});

/** The state as plain data, for `state-file.ts`. */
export interface EmulatorStateSnapshot {
  installations: EmulatedInstallation[];
  resources: EmulatedResource[];
  projects: EmulatedProject[];
  transfers: EmulatedTransfer[];
}

/**
 * What Vercel keeps about an integration: installations, resources and their secrets, projects,
 * transfer claims.
 */
export class EmulatorState {
  readonly installations = new Map<string, EmulatedInstallation>();
  readonly resources = new Map<string, EmulatedResource>();
  readonly projects = new Map<string, EmulatedProject>();
  readonly transfers = new Map<string, EmulatedTransfer>();

  snapshot(): EmulatorStateSnapshot {
    return {
      installations: [...this.installations.values()],
      resources: [...this.resources.values()],
      projects: [...this.projects.values()],
      transfers: [...this.transfers.values()],
    };
  }

  restore(snapshot: EmulatorStateSnapshot): void {
    for (const installation of snapshot.installations)
      this.installations.set(installation.id, installation);
    for (const resource of snapshot.resources) this.resources.set(resource.id, resource);
    for (const project of snapshot.projects) this.projects.set(project.id, project);
    for (const transfer of snapshot.transfers) this.transfers.set(transfer.id, transfer);
  }

  installationByToken(accessToken: string): EmulatedInstallation | undefined {
    for (const installation of this.installations.values()) {
      if (holdsToken(installation, accessToken) && installation.status === "installed")
        return installation;
    }
    return undefined;
  }

  resourcesOf(installationId: string): EmulatedResource[] {
    return [...this.resources.values()].filter(
      (resource) => resource.installationId === installationId && !resource.deleted,
    );
  }

  saveResource(installationId: string, resource: Resource, secrets?: Secret[]): EmulatedResource {
    const previous = this.resources.get(resource.id);
    const saved: EmulatedResource = {
      ...resource,
      installationId,
      secrets: secrets ?? previous?.secrets ?? [],
      deleted: false,
      provisionedAt: previous?.provisionedAt ?? Date.now(),
      ...(previous?.edgeConfig && { edgeConfig: previous.edgeConfig }),
    };
    this.resources.set(resource.id, saved);
    return saved;
  }

  createProject(name: string): EmulatedProject {
    const project: EmulatedProject = { id: newId("prj"), name, connections: [] };
    this.projects.set(project.id, project);
    return project;
  }

  /** The project with this name, created when there is none yet. */
  projectNamed(name: string): EmulatedProject {
    return (
      [...this.projects.values()].find((project) => project.name === name) ??
      this.createProject(name)
    );
  }

  connect(projectId: string, connection: ProjectConnection): void {
    const project = this.projects.get(projectId);
    if (!project) throw new Error(`No project ${projectId}`);
    project.connections = [
      ...project.connections.filter((existing) => existing.resourceId !== connection.resourceId),
      connection,
    ];
  }

  /** The env vars of a project in one environment, from the secrets of its connected resources. */
  projectEnv(projectId: string, environment: Environment): Record<string, string> {
    const project = this.projects.get(projectId);
    if (!project) return {};
    const env: Record<string, string> = {};
    for (const connection of project.connections) {
      const resource = this.resources.get(connection.resourceId);
      if (!resource || resource.deleted || !connection.environments.includes(environment)) continue;
      Object.assign(
        env,
        secretsToEnv(resource.secrets, environment, connection.prefix),
        experimentationEnv(resource.edgeConfig),
      );
    }
    return env;
  }
}
