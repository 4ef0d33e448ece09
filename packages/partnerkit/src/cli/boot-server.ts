import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

type RequestListener = (request: IncomingMessage, response: ServerResponse) => unknown;

export interface BootServer {
  /** Serves every request, the ones held so far first, with `listener` from now on. */
  handOver(listener: RequestListener): void;
  /** Answers what is still held with 503, stops accepting and waits for open requests. */
  close(): Promise<void>;
}

const NOT_READY = JSON.stringify({
  error: { code: "not_ready", message: "The server is not ready; try again shortly" },
});

/**
 * Listens on `port` before the runtime is even imported (loading its modules is most of a cold
 * start). Until `handOver`, `/healthz` answers 200 — the process is alive — `/readyz` 503, and
 * every other request is held, unread, for the runtime to serve once it is loaded.
 */
export function listenWhileLoading(port: number): Promise<BootServer> {
  const held: [IncomingMessage, ServerResponse][] = [];
  let serve: RequestListener | undefined;
  const server = createServer((request, response) => {
    if (serve) return serve(request, response);
    const path = request.url?.split("?")[0];
    if (request.method === "GET" && path === "/healthz")
      return json(response, 200, '{"status":"ok"}');
    if (request.method === "GET" && path === "/readyz") {
      return json(response, 503, '{"status":"starting","reason":"loading"}');
    }
    held.push([request, response]);
  });
  const boot: BootServer = {
    handOver(listener) {
      serve = listener;
      for (const [request, response] of held.splice(0)) listener(request, response);
    },
    close() {
      for (const [, response] of held.splice(0)) {
        response.setHeader("retry-after", "5");
        json(response, 503, NOT_READY);
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve(boot);
    });
  });
}

function json(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { "content-type": "application/json" }).end(body);
}
