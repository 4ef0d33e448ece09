import { partnerApiOpenApi } from "../packages/partnerkit/src/http/openapi.ts";
import type { OpenApiDocument } from "../packages/partnerkit/src/protocol/openapi-document.ts";

/** The committed OpenAPI document of the Partner API (`npm run openapi` rewrites it). */
export const OPENAPI_FILE = new URL("../docs/partner-api.openapi.json", import.meta.url);

/** What the file holds: the document of a server with the default webhook path, no server URL. */
export function committedDocument(): OpenApiDocument {
  return partnerApiOpenApi();
}
