import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/** A backend as the proxy sees it when a request is sent: its port and which process listens. */
export interface Backend {
  instance: number;
  port: number;
  generation: () => number;
}

/** One request through the proxy and what became of it. */
export interface ProxiedExchange {
  /** When it was sent on, and when its outcome was known. */
  at: number;
  answeredAt?: number;
  method: string;
  path: string;
  instance: number;
  generation: number;
  /** The backend's status, or `cut` when its connection broke after the request went out. */
  outcome: number | "cut" | "no backend";
  error?: string;
}

/** The header naming the instance that answered, as some load balancers add. */
export const SERVED_BY_HEADER = "x-served-by";

/**
 * A tiny load balancer: each request goes to the next backend in turn. A backend that refuses
 * the connection (stopped, restarting) is skipped, since nothing reached it; a connection that
 * breaks once the request is out (the process was killed) is answered 502 and not retried, as a
 * load balancer cannot know whether the work was done.
 */
export class RoundRobinProxy {
  readonly exchanges: ProxiedExchange[] = [];
  private readonly drained = new Set<number>();
  private next = 0;
  private server: Server | undefined;

  constructor(private readonly backends: Backend[]) {}

  async listen(port: number): Promise<string> {
    const server = createServer((request, response) => void this.forward(request, response));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Sends the instance nothing more until `restore`, as a load balancer does before a deploy. */
  drain(instance: number): void {
    this.drained.add(instance);
  }

  restore(instance: number): void {
    this.drained.delete(instance);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = request.url ?? "/";
    const method = request.method ?? "GET";
    const first = this.next++;
    for (let offset = 0; offset < this.backends.length; offset++) {
      const backend = this.backends[(first + offset) % this.backends.length] as Backend;
      if (this.drained.has(backend.instance)) continue;
      const exchange: ProxiedExchange = {
        at: Date.now(),
        method,
        path,
        instance: backend.instance,
        generation: backend.generation(),
        outcome: "cut",
      };
      const answer = await send(backend.port, request, body);
      if ("refused" in answer) continue;
      exchange.answeredAt = Date.now();
      this.exchanges.push(exchange);
      if ("error" in answer) {
        exchange.error = answer.error;
        response.writeHead(502, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { code: "bad_gateway", message: answer.error } }));
        return;
      }
      exchange.outcome = answer.status;
      response.writeHead(answer.status, {
        ...answer.headers,
        [SERVED_BY_HEADER]: String(backend.instance),
      });
      response.end(answer.body);
      return;
    }
    this.exchanges.push({
      at: Date.now(),
      method,
      path,
      instance: -1,
      generation: 0,
      outcome: "no backend",
    });
    response.writeHead(503, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { code: "no_backend", message: "No backend is up" } }));
  }
}

type Answer =
  | { status: number; headers: Record<string, string | string[]>; body: Buffer }
  | { refused: true }
  | { error: string };

/** One attempt on one backend, on a connection of its own (no keep-alive to outlive a process). */
function send(port: number, incoming: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const outgoing = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, connection: "close", "content-length": body.length },
        agent: false,
      },
      (reply) => {
        const chunks: Buffer[] = [];
        reply.on("data", (chunk: Buffer) => chunks.push(chunk));
        reply.on("end", () =>
          resolve({
            status: reply.statusCode ?? 502,
            headers: headersOf(reply),
            body: Buffer.concat(chunks),
          }),
        );
        reply.on("error", (error) => resolve({ error: String(error) }));
      },
    );
    outgoing.on("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "ECONNREFUSED" ? { refused: true } : { error: String(error) }),
    );
    outgoing.end(body);
  });
}

function headersOf(reply: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(reply.headers)) {
    if (value !== undefined && name !== "connection" && name !== "transfer-encoding")
      headers[name] = value;
  }
  return headers;
}
