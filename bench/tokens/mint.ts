import { availableParallelism } from "node:os";

export interface MintedTokens {
  tokens: string[];
  /** Wall-clock milliseconds per token, all lanes together. */
  msPerToken: number;
}

/**
 * Mints `count` tokens with `mintOne(index)`, keeping enough signatures in flight to fill the
 * thread pool (see `BenchIssuer`). Runs while no server is under load, so it skews nothing.
 */
export async function mintTokens(
  count: number,
  mintOne: (index: number) => Promise<string>,
): Promise<MintedTokens> {
  const tokens = new Array<string>(count);
  const lanes = Math.max(2, availableParallelism() * 2);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      tokens[index] = await mintOne(index);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
  const elapsed = performance.now() - started;
  return { tokens, msPerToken: count > 0 ? elapsed / count : 0 };
}
