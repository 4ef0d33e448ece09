import type { EmulatorState } from "../../packages/partnerkit/src/emulator/state.ts";

/** A resource's data plane, called with the credentials Vercel holds for it. */
export interface DataPlaneProbe {
  resourceId: string;
  deleted: boolean;
  status: number;
}

/**
 * Lists the keys of every resource Vercel knows, with the URL and token Vercel would give a
 * deployment: after rotations and transfers they must still open a live store, and must no
 * longer open a deleted one.
 */
export async function probeDataPlane(state: EmulatorState): Promise<DataPlaneProbe[]> {
  return Promise.all(
    [...state.resources.values()].map(async (resource) => {
      const secret = (name: string) =>
        resource.secrets.find((candidate) => candidate.name === name)?.value ?? "";
      const response = await fetch(`${secret("KV_REST_API_URL")}/`, {
        headers: { authorization: `Bearer ${secret("KV_REST_API_TOKEN")}` },
      });
      await response.arrayBuffer();
      return { resourceId: resource.id, deleted: resource.deleted, status: response.status };
    }),
  );
}
