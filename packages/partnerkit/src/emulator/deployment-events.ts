/** The deployment lifecycle webhooks the emulator sends (spec §6.4), without the `deployment.` prefix. */
export type DeploymentEvent = "created" | "ready" | "succeeded" | "error" | "canceled";

/** What a lifecycle payload says about a deployment. */
export interface DeploymentEventSubject {
  id: string;
  url: string;
  /** The project name used in the deployment URL. */
  name: string;
  target: "production" | null;
  projectId: string;
  meta: Record<string, unknown>;
  /** The team the project belongs to and who deployed. */
  teamId: string;
  userId: string;
  /** The installations that can see the project, the one the delivery is about first. */
  installationIds: string[];
  /** Aliases the deployment gets once ready (sent with `created` only). */
  alias?: string[];
}

/**
 * The payload of `deployment.<event>` in the shape of Vercel's webhook reference (`team`, `user`,
 * `deployment.{id,meta,url,name}`, `links`, `target`, `project.id`, `plan`, `regions`, `alias` on
 * created), plus `deployment.target` and the installation fields the other integration events carry.
 */
export function deploymentEventPayload(event: DeploymentEvent, subject: DeploymentEventSubject) {
  const dashboard = `https://vercel.com/${subject.teamId}/${subject.name}`;
  const [installationId] = subject.installationIds;
  return {
    team: { id: subject.teamId },
    user: { id: subject.userId },
    ...(installationId && {
      configuration: { id: installationId },
      installationIds: subject.installationIds,
    }),
    deployment: {
      id: subject.id,
      url: subject.url,
      name: subject.name,
      meta: subject.meta,
      target: subject.target,
    },
    links: { deployment: `${dashboard}/${subject.id}`, project: dashboard },
    target: subject.target,
    project: { id: subject.projectId },
    plan: "pro",
    regions: ["iad1"],
    ...(event === "created" && { alias: subject.alias ?? [] }),
  };
}
