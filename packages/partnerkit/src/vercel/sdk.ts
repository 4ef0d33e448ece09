/**
 * The `@vercel/sdk` pieces the client uses, in one module that `VercelClient` imports on its first
 * call: the SDK (with its own zod) is a sixth of the start path's imports, and a server that has
 * not called Vercel yet has no use for it.
 */
import { VercelCore } from "@vercel/sdk/core.js";
import { HTTPClient } from "@vercel/sdk/lib/http.js";
import { ConnectionError, RequestTimeoutError } from "@vercel/sdk/models/httpclienterrors.js";
import { nodeFetch } from "./node-fetch.ts";

export { deploymentsUpdateIntegrationDeploymentAction } from "@vercel/sdk/funcs/deploymentsUpdateIntegrationDeploymentAction.js";
export { marketplaceCreateEvent } from "@vercel/sdk/funcs/marketplaceCreateEvent.js";
export { marketplaceFinalizeInstallation } from "@vercel/sdk/funcs/marketplaceFinalizeInstallation.js";
export { marketplaceGetInvoice } from "@vercel/sdk/funcs/marketplaceGetInvoice.js";
export { marketplaceImportResource } from "@vercel/sdk/funcs/marketplaceImportResource.js";
export { marketplaceRevokeInstallationCredential } from "@vercel/sdk/funcs/marketplaceRevokeInstallationCredential.js";
export { marketplaceRotateInstallationCredential } from "@vercel/sdk/funcs/marketplaceRotateInstallationCredential.js";
export { marketplaceSubmitBillingData } from "@vercel/sdk/funcs/marketplaceSubmitBillingData.js";
export { marketplaceSubmitInvoice } from "@vercel/sdk/funcs/marketplaceSubmitInvoice.js";
export { marketplaceSubmitPrepaymentBalances } from "@vercel/sdk/funcs/marketplaceSubmitPrepaymentBalances.js";
export { marketplaceUpdateInstallation } from "@vercel/sdk/funcs/marketplaceUpdateInstallation.js";
export { marketplaceUpdateInvoice } from "@vercel/sdk/funcs/marketplaceUpdateInvoice.js";
export { marketplaceUpdateResourceSecretsById } from "@vercel/sdk/funcs/marketplaceUpdateResourceSecretsById.js";

/** A `VercelCore` for one token, with the SDK's own retries off and each response handed to `onResponse`. */
export function createVercelCore(options: {
  baseUrl: string;
  accessToken: string | (() => Promise<string>);
  fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  onResponse: (method: string, url: string, response: Response) => void;
}): VercelCore {
  const http = new HTTPClient({ fetcher: options.fetch ?? nodeFetch });
  http.addHook("response", (response, request) =>
    options.onResponse(request.method, request.url, response),
  );
  return new VercelCore({
    serverURL: options.baseUrl,
    bearerToken: options.accessToken,
    httpClient: http,
    retryConfig: { strategy: "none" },
  });
}

/** The call timed out or could not be sent: Vercel may or may not have acted on it. */
export function isUnanswered(error: unknown): boolean {
  return error instanceof RequestTimeoutError || error instanceof ConnectionError;
}
