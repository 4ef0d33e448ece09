/**
 * The sender of `runPacedLoad`, in a process of its own: the benchmark's process holds every
 * prepared request (hundreds of MB for a webhook run), and its garbage collection stalled a sender
 * sharing that heap for up to 0.4 s, which a paced load counts against the server.
 */
import { Agent, request } from "node:http";
import { LatencyRecorder } from "./latency.ts";
import { LEAD_IN_SECONDS, type PacedLoadResult, type PacedLoadSpec } from "./paced-load.ts";
import type { RequestPart } from "./request-feed.ts";

/** How often the sender wakes to send what has come due (Node's timers resolve 1 ms). */
const TICK_MS = 1;

export interface PacedSenderJob {
  spec: Omit<PacedLoadSpec, "feed">;
  /** One per request, in order; as many as the run sends. */
  parts: RequestPart[];
}

function send(job: PacedSenderJob): Promise<PacedLoadResult> {
  const { spec, parts } = job;
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const latency = new LatencyRecorder();
  const leadInLatency = new LatencyRecorder();
  const total = parts.length;
  const intervalMs = 1_000 / spec.ratePerSecond;
  const counts = { sent: 0, ok: 0, non2xx: 0, errors: 0, answered: 0 };
  const startedAt = performance.now();
  const timedFrom = startedAt + LEAD_IN_SECONDS * 1_000;

  const sendOne = (part: RequestPart, dueAt: number, done: () => void) => {
    const outgoing = request(
      new URL(part.path ?? spec.path, spec.baseUrl),
      { method: part.method ?? spec.method, agent, headers: part.headers },
      (response) => {
        response.resume();
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            counts.ok += 1;
            (dueAt < timedFrom ? leadInLatency : latency).record(performance.now() - dueAt);
          } else counts.non2xx += 1;
          done();
        });
      },
    );
    outgoing.on("error", () => {
      counts.errors += 1;
      done();
    });
    outgoing.end(part.body === undefined ? undefined : Buffer.from(part.body));
  };

  return new Promise<PacedLoadResult>((resolve) => {
    const finish = () => {
      counts.answered += 1;
      if (counts.answered < total) return;
      agent.destroy();
      const elapsedSeconds = (performance.now() - startedAt) / 1_000;
      resolve({
        sent: counts.sent,
        ok: counts.ok,
        non2xx: counts.non2xx,
        errors: counts.errors,
        elapsedSeconds,
        answeredPerSecond: counts.answered / elapsedSeconds,
        latency: latency.summary(),
        leadInLatency: leadInLatency.summary(),
      });
    };
    const tick = () => {
      const now = performance.now();
      while (counts.sent < total && startedAt + counts.sent * intervalMs <= now) {
        const dueAt = startedAt + counts.sent * intervalMs;
        sendOne(parts[counts.sent] ?? {}, dueAt, finish);
        counts.sent += 1;
      }
      if (counts.sent < total) setTimeout(tick, TICK_MS);
    };
    tick();
  });
}

process.once("message", (job: PacedSenderJob) => {
  void send(job).then((result) => {
    process.send?.(result, () => process.exit(0));
  });
});
