import type { Logger } from "pino";
import type { Store } from "../store/store.ts";
import type { VercelClientFor } from "./hook-context.ts";

export interface IntegrationClient {
  id?: string;
  secret: string;
}

/**
 * Spec §5.4: rotate the installation's access token. The new token is stored (sealed) before the
 * old one is revoked, authenticated with the new one; if the revoke fails, both stay valid and a
 * later rotation retires the older one — the installation is never left without a working token.
 */
export async function rotateInstallationCredential(
  deps: { store: Store; vercelFor: VercelClientFor; client: IntegrationClient },
  installationId: string,
  log: Logger,
): Promise<{ revokedPrevious: boolean }> {
  const { store, vercelFor, client } = deps;
  const installation = await store.getInstallation(installationId);
  const previous = await store.installationCredentials(installationId);
  if (!installation || installation.deletedAt || !previous) {
    throw new Error(`No live installation ${installationId}`);
  }
  const rotated = await vercelFor(installationId, log).rotateCredential(client);
  await store.replaceInstallationCredentials(installationId, {
    access_token: rotated.accessToken,
    token_type: rotated.tokenType,
  });
  log.info({ installationId }, "installation credential rotated");
  try {
    await vercelFor(installationId, log).revokeCredential(previous.accessToken, client);
    return { revokedPrevious: true };
  } catch (error) {
    log.warn({ err: error, installationId }, "revoking the previous credential failed");
    return { revokedPrevious: false };
  }
}
