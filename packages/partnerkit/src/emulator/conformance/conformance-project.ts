import { randomBytes } from "node:crypto";
import type { Emulator } from "../emulator.ts";
import type { EmulatedProject } from "../state.ts";

/**
 * A new project with the resource connected for previews, as a user sets one up before a deploy;
 * first Vercel reads the resource back, so the emulator knows it as the partner has it.
 */
export async function conformanceProject(
  emulator: Emulator,
  installationId: string,
  resourceId: string,
  actions?: string[],
): Promise<EmulatedProject> {
  await emulator.partner.refreshResource(installationId, resourceId);
  const project = emulator.state.createProject(`conformance-${randomBytes(4).toString("hex")}`);
  emulator.state.connect(project.id, {
    resourceId,
    environments: ["preview"],
    ...(actions && { actions }),
  });
  return project;
}
