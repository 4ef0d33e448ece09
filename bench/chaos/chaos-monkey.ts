import type { ExitStatus } from "../../test/support/server-process.ts";
import type { Instance } from "./instances.ts";
import type { Progress } from "./progress.ts";
import type { Random } from "./random.ts";
import type { RoundRobinProxy } from "./round-robin-proxy.ts";
import type { VercelFronts } from "./vercel-fronts.ts";

export interface ChaosPlan {
  /** `kill -9`s during deployment actions, each followed by a restart. */
  kills: number;
  /** One more `kill -9`, inside a secrets rotation (a Partner API request) of the victim. */
  killDuringRotation: boolean;
  /** One instance rolled (SIGTERM, restart) between the kills. */
  roll: boolean;
  /** Take the rolled instance out of the load balancer before its SIGTERM, as a rolling deploy does. */
  drainBeforeRoll: boolean;
}

/** One kill or roll, and what the instance was doing when it came. */
export interface Disruption {
  kind: "kill -9" | "SIGTERM";
  during: "deployment actions" | "a secrets rotation";
  instance: number;
  generation: number;
  /** Work the instance was in the middle of: held calls to Vercel, or the rotation hook. */
  inFlight: number;
  /** How the SIGTERM'd process ended, and how long it took. */
  exit?: ExitStatus;
  stopMs?: number;
  restartMs: number;
}

/** What the monkey acts on and watches. */
export interface ChaosTools {
  instances: Instance[];
  fronts: VercelFronts;
  proxy: RoundRobinProxy;
  progress: Progress;
  random: Random;
  /** The process running a hook of this name right now, if any (from the hook journal). */
  runningHook(hook: string): Promise<number | undefined>;
  /** Deployments that may start past a disruption's point before it has come and gone. */
  lead: number;
}

type Event = { at: number; disrupt: () => Promise<Disruption> };

/**
 * How long to wait for the victim to take up work before the signal comes anyway: longer than a
 * lease (15 s), since the deployments a previous kill left behind wait that long.
 */
const WORK_WAIT_MS = 60_000;
/** Once it is at work, a moment more so that its pool fills up. */
const FILL_MS = 300;
/** A rolled instance's held calls go on this long after the SIGTERM: its jobs finish in the grace. */
const ROLL_RELEASE_MS = 300;
/** A drained instance gets this long to answer what it was sent before its SIGTERM. */
const DRAIN_MS = 500;
/** How often the journal is read for a rotation in progress. */
const WATCH_MS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Kills instances with `kill -9` and rolls one (SIGTERM, restart) at set points of the run, one
 * at a time, always restarting before the next. Before each signal the victim's calls to Vercel
 * are held until it is at work, so that the signal lands in the middle of deployment actions.
 */
export class ChaosMonkey {
  private lastVictim = -1;

  constructor(
    private readonly tools: ChaosTools,
    private readonly plan: ChaosPlan,
  ) {}

  async run(): Promise<Disruption[]> {
    const { progress, lead } = this.tools;
    const disruptions: Disruption[] = [];
    for (const event of this.schedule()) {
      progress.pauseFrom(Math.ceil(event.at * progress.total) + lead);
      try {
        await progress.reached(event.at);
        disruptions.push(await event.disrupt());
      } finally {
        progress.proceed();
      }
    }
    return disruptions;
  }

  /** Kills spread over 10–75 % of the deployments, the roll halfway, the rotation's kill at 20 %. */
  private schedule(): Event[] {
    const { kills, roll, killDuringRotation } = this.plan;
    const events: Event[] = Array.from({ length: kills }, (_, index) => ({
      at: 0.1 + (0.65 * index) / Math.max(1, kills - 1),
      disrupt: () => this.kill(),
    }));
    if (roll) events.push({ at: 0.1 + 0.65 / 2 + 0.01, disrupt: () => this.roll() });
    if (killDuringRotation) events.push({ at: 0.2, disrupt: () => this.killDuringRotation() });
    return events.sort((a, b) => a.at - b.at);
  }

  private async kill(): Promise<Disruption> {
    const instance = this.victim();
    const generation = instance.current?.generation ?? 0;
    const inFlight = await this.atWork(instance);
    await instance.kill();
    this.tools.fronts.release(instance.index);
    const restartMs = await this.restart(instance);
    return {
      kind: "kill -9",
      during: "deployment actions",
      instance: instance.index,
      generation,
      inFlight,
      restartMs,
    };
  }

  /** Waits for a rotation hook to be running and kills its process there and then. */
  private async killDuringRotation(): Promise<Disruption> {
    const deadline = Date.now() + WORK_WAIT_MS;
    let instance: Instance | undefined;
    while (!instance && Date.now() < deadline) {
      const pid = await this.tools.runningHook("rotate");
      instance = this.tools.instances.find((candidate) => candidate.current?.pid === pid);
      if (!instance) await sleep(WATCH_MS);
    }
    const victim = instance ?? this.victim();
    const generation = victim.current?.generation ?? 0;
    await victim.kill();
    const restartMs = await this.restart(victim);
    return {
      kind: "kill -9",
      during: "a secrets rotation",
      instance: victim.index,
      generation,
      inFlight: instance ? 1 : 0,
      restartMs,
    };
  }

  private async roll(): Promise<Disruption> {
    const { fronts, proxy } = this.tools;
    const instance = this.victim();
    const generation = instance.current?.generation ?? 0;
    const inFlight = await this.atWork(instance);
    if (this.plan.drainBeforeRoll) {
      proxy.drain(instance.index);
      await sleep(DRAIN_MS);
    }
    const signalledAt = Date.now();
    const stopping = instance.terminate();
    await sleep(ROLL_RELEASE_MS);
    fronts.release(instance.index);
    const exit = await stopping;
    const stopMs = Date.now() - signalledAt;
    const restartMs = await this.restart(instance);
    proxy.restore(instance.index);
    return {
      kind: "SIGTERM",
      during: "deployment actions",
      instance: instance.index,
      generation,
      inFlight,
      exit,
      stopMs,
      restartMs,
    };
  }

  /** Holds the instance's calls until some are waiting; returns how many. */
  private async atWork(instance: Instance): Promise<number> {
    const { fronts } = this.tools;
    fronts.hold(instance.index);
    const deadline = Date.now() + WORK_WAIT_MS;
    while (fronts.waiting(instance.index) === 0 && Date.now() < deadline) await sleep(20);
    await sleep(FILL_MS);
    return fronts.waiting(instance.index);
  }

  private async restart(instance: Instance): Promise<number> {
    const started = Date.now();
    await instance.start();
    return Date.now() - started;
  }

  private victim(): Instance {
    const candidates = this.tools.instances.filter(
      (instance) => instance.index !== this.lastVictim,
    );
    const victim = this.tools.random.pick(candidates);
    this.lastVictim = victim.index;
    return victim;
  }
}
