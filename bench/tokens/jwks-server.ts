import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK } from "jose";

export interface JwksServer {
  url: string;
  /** How many times the key set was fetched: servers should cache it, so this stays small. */
  readonly fetches: number;
  close(): Promise<void>;
}

/** Serves a fixed key set over HTTP, as Vercel's issuer does at `/.well-known/jwks`. */
export async function startJwksServer(jwks: { keys: JWK[] }): Promise<JwksServer> {
  const body = JSON.stringify(jwks);
  let fetches = 0;
  const server = createServer((_request, response) => {
    fetches += 1;
    response.writeHead(200, { "content-type": "application/json" });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks`,
    get fetches() {
      return fetches;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
