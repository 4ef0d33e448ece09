import { type ServerType, serve } from "@hono/node-server";

/** A call an instance made to Vercel's API. */
export interface VercelCall {
  /** When it arrived. */
  at: number;
  instance: number;
  generation: number;
  method: string;
  path: string;
  status: number;
  /** Held before it was served (a deployment read) or before its answer went back (a report). */
  held: boolean;
  /** The status an action report carried. */
  reported?: string;
}

/** A Partner API's action report, the call that makes a deployment go on (spec §7). */
export const isActionReport = (call: Pick<VercelCall, "method" | "path">) =>
  call.method === "PATCH" &&
  /^\/v1\/deployments\/[^/]+\/integrations\/.+\/actions\//.test(call.path);

const isDeploymentRead = (method: string, path: string) =>
  method === "GET" && path.startsWith("/v13/deployments/");

interface Hold {
  waiting: number;
  release: () => void;
  released: Promise<void>;
}

/**
 * Vercel's API as each instance reaches it: one port per instance in front of the emulator, so
 * every call is known by the instance that made it. An instance's calls can be held to make sure
 * a kill lands while it is at work: its deployment reads (an action's first step) wait before
 * they are served, its action reports after Vercel has taken them, so the instance never learns
 * that Vercel has its report.
 */
export class VercelFronts {
  readonly calls: VercelCall[] = [];
  private readonly holds = new Map<number, Hold>();
  private readonly servers: ServerType[] = [];

  constructor(
    private readonly vercel: (request: Request) => Promise<Response>,
    private readonly generationOf: (instance: number) => number,
  ) {}

  /** Serves instance `instance`'s front on `port`; returns its URL (its `VERCEL_API_URL`). */
  listen(instance: number, port: number): string {
    this.servers.push(
      serve({ fetch: (request) => this.serve(instance, request), port, hostname: "127.0.0.1" }),
    );
    return `http://127.0.0.1:${port}`;
  }

  /** Starts holding the instance's deployment reads and action reports. */
  hold(instance: number): void {
    if (this.holds.has(instance)) return;
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.set(instance, { waiting: 0, release, released });
  }

  /** Calls of the instance waiting in a hold now. */
  waiting(instance: number): number {
    return this.holds.get(instance)?.waiting ?? 0;
  }

  release(instance: number): void {
    this.holds.get(instance)?.release();
    this.holds.delete(instance);
  }

  async close(): Promise<void> {
    for (const instance of [...this.holds.keys()]) this.release(instance);
    await Promise.all(
      this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }

  private async serve(instance: number, request: Request): Promise<Response> {
    const at = Date.now();
    const generation = this.generationOf(instance);
    const { method } = request;
    const path = new URL(request.url).pathname;
    const holdBefore = isDeploymentRead(method, path);
    const holdAfter = isActionReport({ method, path });
    const reported = holdAfter ? await reportedStatus(request) : undefined;
    let held = false;
    if (holdBefore) held = await this.wait(instance);
    const response = await this.vercel(request);
    if (holdAfter) held = await this.wait(instance);
    this.calls.push({
      at,
      instance,
      generation,
      method,
      path,
      status: response.status,
      held,
      ...(reported && { reported }),
    });
    return response;
  }

  private async wait(instance: number): Promise<boolean> {
    const hold = this.holds.get(instance);
    if (!hold) return false;
    hold.waiting++;
    await hold.released;
    hold.waiting--;
    return true;
  }
}

async function reportedStatus(request: Request): Promise<string | undefined> {
  const body = (await request
    .clone()
    .json()
    .catch(() => undefined)) as { status?: unknown } | undefined;
  return typeof body?.status === "string" ? body.status : undefined;
}
