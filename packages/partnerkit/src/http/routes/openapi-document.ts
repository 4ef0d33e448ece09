import { OpenApiDocument } from "../../protocol/openapi-document.ts";
import { defineRoute, type Route } from "../route-spec.ts";

export interface DocumentSource {
  document(): OpenApiDocument;
}

/** The OpenAPI document of what this server answers; public, as the protocol it describes is. */
export const openApiDocumentRoute: Route<DocumentSource> = defineRoute({
  method: "get",
  path: "/openapi.json",
  tag: "Operations",
  summary: "OpenAPI Document",
  description: "This document: the Partner API as this server answers it (OpenAPI 3.1).",
  auth: { kind: "none" },
  responses: { 200: { description: "The document", schema: OpenApiDocument } },
  handle: (c, _body, source) => c.json(source.document()),
});
