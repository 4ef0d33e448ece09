import type { ErrorField } from "../../../protocol/errors.ts";
import type { EmulatorState } from "../../state.ts";

/**
 * Fields naming a resource this installation never had. Deleted resources still count: usage and
 * invoices for the period they lived in arrive after deletion. So do resources transferred away:
 * the source bills the part of the period before the transfer (UNCONFIRMED: the spec is silent
 * on how Vercel takes that; the tolerant reading).
 */
export function unknownResources(
  state: EmulatorState,
  installationId: string,
  refs: { key: string; resourceId?: string }[],
): ErrorField[] {
  return refs
    .filter(({ resourceId }) => {
      if (resourceId === undefined) return false;
      const resource = state.resources.get(resourceId);
      return (
        resource?.installationId !== installationId &&
        !resource?.formerInstallationIds?.includes(installationId)
      );
    })
    .map(({ key, resourceId }) => ({
      key,
      message: `is not a resource of this installation (${resourceId}); send your own resource id`,
    }));
}

/** `[{ resourceId }]` → `[{ key: "items[0].resourceId", resourceId }]`. */
export function refsOf(prefix: string, entries: { resourceId?: string }[]) {
  return entries.map((entry, index) => ({
    key: `${prefix}[${index}].resourceId`,
    resourceId: entry.resourceId,
  }));
}
