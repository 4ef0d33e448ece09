import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type ExitStatus,
  type PartnerkitProcess,
  type ProcessEnv,
  spawnPartnerkit,
} from "../../test/support/server-process.ts";

/** How one process of an instance ended. */
export type Ending = "kill -9" | "SIGTERM" | "exit";

/** One process of an instance: the instance keeps its port, each restart is a new generation. */
export interface Generation {
  instance: number;
  generation: number;
  pid: number;
  startedAt: number;
  endedAt?: number;
  ending?: Ending;
  exit?: ExitStatus;
}

/** A SIGTERM'd process that has not exited by then is killed, and the stop reported as forced. */
const STOP_LIMIT_MS = 30_000;

/** A `partnerkit start` server that can be killed and restarted on the same port. */
export class Instance {
  readonly generations: Generation[] = [];
  private process: PartnerkitProcess | undefined;

  constructor(
    readonly index: number,
    readonly port: number,
    private readonly env: ProcessEnv,
    private readonly logDirectory: string,
  ) {}

  /** The generation now running (or the last one). */
  get current(): Generation | undefined {
    return this.generations.at(-1);
  }

  async start(): Promise<void> {
    const server = spawnPartnerkit({ ...this.env, PORT: String(this.port) });
    const generation: Generation = {
      instance: this.index,
      generation: this.generations.length + 1,
      pid: server.child.pid ?? 0,
      startedAt: Date.now(),
    };
    this.generations.push(generation);
    this.process = server;
    void server.exited.then(async (exit) => {
      generation.endedAt ??= Date.now();
      generation.ending ??= "exit";
      generation.exit = exit;
      await this.keepLog(server, generation);
    });
    await server.waitUntilReady();
  }

  /** `kill -9`: the process dies wherever it is. */
  async kill(): Promise<void> {
    const { server, generation } = this.live();
    generation.ending = "kill -9";
    generation.endedAt = Date.now();
    await server.kill("SIGKILL");
  }

  /** SIGTERM, then the exit; the status says whether it had to be killed after STOP_LIMIT_MS. */
  async terminate(): Promise<ExitStatus> {
    const { server, generation } = this.live();
    generation.ending = "SIGTERM";
    const exit = await server.stop(STOP_LIMIT_MS);
    generation.endedAt = Date.now();
    return exit;
  }

  private live(): { server: PartnerkitProcess; generation: Generation } {
    const server = this.process;
    const generation = this.current;
    if (!server || !generation || server.exitStatus) {
      throw new Error(`Instance ${this.index} is not running`);
    }
    return { server, generation };
  }

  private async keepLog(server: PartnerkitProcess, generation: Generation): Promise<void> {
    await mkdir(this.logDirectory, { recursive: true });
    await writeFile(
      join(this.logDirectory, `instance-${this.index}.${generation.generation}.log`),
      server.stdout + server.stderr,
    );
  }
}
