import type { JobRecord } from "../store/records.ts";

const DEFAULT_CONCURRENCY = 8;

/**
 * How many jobs a pool whose jobs finish within the turn of the event loop that started them
 * claims in one turn. With 8 slots, one claim per turn for the free slots alone ran 8 webhook
 * jobs per turn while the same turn read dozens of new deliveries, and the queue fell behind; the
 * bound keeps a backlog from holding up the HTTP server for long. Since deliveries have 32 slots,
 * 32 a turn keeps up, and 64 made turns long enough to be seen in the answers: SQLite ingest at a
 * steady 3,000/s, p99 17–40 ms against 27–230 ms, and at saturation 4,200–5,600 against
 * 3,300–5,300 deliveries/s (four A/B pairs).
 */
export const TURN_CLAIM_LIMIT = 32;

/** How many jobs run at once in one runner, by kind. */
export interface JobConcurrency {
  /** Slots shared by every kind not named in `perKind`. */
  default: number;
  /** Kinds with a pool of their own, of this many slots: a burst of one never delays another. */
  perKind?: Record<string, number>;
}

/** The slots of some job kinds, and what the runner knows of their queue. */
export interface Pool {
  kinds: string[];
  size: number;
  running: number;
  /**
   * Whether due jobs of the pool's kinds may be waiting: `woken` when jobs were queued or the
   * poll came round, `backlog` when the last claim got all it asked for. `none` when the last
   * claim came back short: a finished job then claims nothing, and the pool waits for a wake.
   */
  due: "woken" | "backlog" | "none";
  /**
   * Woken by a timer (a poll, a job coming due): once a claim of the pool comes back short, the
   * runner asks when its next job comes due.
   */
  timed: boolean;
  /** When its next queued job comes due, as last read (a `Date.now()` time; never when unknown). */
  nextDueAt: number;
  /**
   * Claimed in this turn beyond the free slots: each starts as soon as a slot frees up, and
   * those still waiting when the turn ends go back to the queue.
   */
  waiting: JobRecord[];
  /** Whether the jobs the pool started in its last busy turn all finished within that turn. */
  quick: boolean;
  /** Jobs the pool started in the current turn, and how many of them have finished. */
  startedThisTurn: number;
  finishedThisTurn: number;
}

/** One pool per kind named in `perKind`, and one shared by the other kinds that have a handler. */
export function buildPools(kinds: string[], concurrency?: number | JobConcurrency): Pool[] {
  const { default: shared, perKind = {} } =
    typeof concurrency === "number"
      ? { default: concurrency }
      : (concurrency ?? { default: DEFAULT_CONCURRENCY });
  const own = kinds.filter((kind) => Object.hasOwn(perKind, kind));
  const pool = (kinds: string[], size: number): Pool => ({
    kinds,
    size,
    running: 0,
    due: "none",
    timed: false,
    nextDueAt: Number.POSITIVE_INFINITY,
    waiting: [],
    quick: false,
    startedThisTurn: 0,
    finishedThisTurn: 0,
  });
  return [
    ...own.map((kind) => pool([kind], perKind[kind] ?? shared)),
    pool(
      kinds.filter((kind) => !own.includes(kind)),
      shared,
    ),
  ];
}

export function wantsClaim(pool: Pool): boolean {
  return (
    pool.kinds.length > 0 &&
    pool.running < pool.size &&
    pool.waiting.length === 0 &&
    pool.due !== "none"
  );
}

/**
 * Its free slots; with `ahead`, for a pool whose jobs finish within their turn, as many as the
 * turn may run, so that the slots those jobs free are filled without claiming again.
 */
export function claimLimit(pool: Pool, ahead: boolean): number {
  const free = pool.size - pool.running;
  return ahead && pool.quick ? Math.max(free, TURN_CLAIM_LIMIT - pool.running) : free;
}

/** At the end of a turn: learns whether the pool's jobs are quick, and empties `waiting`. */
export function endTurn(pool: Pool): JobRecord[] {
  if (pool.startedThisTurn > 0)
    pool.quick = pool.waiting.length === 0 && pool.finishedThisTurn === pool.startedThisTurn;
  pool.startedThisTurn = 0;
  pool.finishedThisTurn = 0;
  return pool.waiting.splice(0);
}
