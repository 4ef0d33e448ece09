import type { RecordedCall } from "../recorder.ts";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `condition` holds or `timeoutMs` passed; answers whether it held. */
export async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** When the call reached the emulator (it is recorded once answered), in epoch milliseconds. */
export const arrivedAt = (call: RecordedCall) => Date.parse(call.at) - call.durationMs;
