import { maskSecrets } from "./mask.ts";

export type CallDirection = "vercel→partner" | "partner→vercel" | "webhook";

export interface RecordedCall {
  id: number;
  at: string;
  direction: CallDirection;
  method: string;
  url: string;
  status: number;
  durationMs: number;
  installationId?: string;
  /** Bodies with secrets masked: the timeline may be shown to anyone at the console. */
  requestBody?: unknown;
  responseBody?: unknown;
  error?: string;
  /** What the partner should fix although the call was accepted (e.g. unknown body fields). */
  warnings?: string[];
}

export interface CallFilter {
  installationId?: string;
  direction?: CallDirection;
}

const DEFAULT_CAPACITY = 1000;

/** Remembers the latest calls in both directions, oldest dropped first. */
export class CallRecorder {
  private calls: RecordedCall[] = [];
  private nextId = 1;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  record(
    call: Omit<RecordedCall, "id" | "at" | "requestBody" | "responseBody"> & {
      requestBody?: unknown;
      responseBody?: unknown;
    },
  ): RecordedCall {
    const entry: RecordedCall = {
      ...call,
      id: this.nextId++,
      at: new Date().toISOString(),
      requestBody: maskSecrets(call.requestBody),
      responseBody: maskSecrets(call.responseBody),
    };
    this.calls.push(entry);
    if (this.calls.length > this.capacity) this.calls.shift();
    return entry;
  }

  list(filter: CallFilter = {}): RecordedCall[] {
    return this.calls.filter(
      (call) =>
        (!filter.installationId || call.installationId === filter.installationId) &&
        (!filter.direction || call.direction === filter.direction),
    );
  }

  clear(): void {
    this.calls = [];
  }
}
