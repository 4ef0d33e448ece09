/** A failure the benchmark explains itself (bad options, a server that failed): no stack trace. */
export class BenchError extends Error {
  override readonly name: string = "BenchError";
}
