/**
 * How far the deployments have got: the other activities (rotations, transfers, the uninstall,
 * kills and the roll) are placed at fractions of it, so that they land mid-run however fast or
 * slow the machine is. A disruption can also pause new deployments a little past its point
 * until it is over, so that a fast workload never runs out before the disruption comes.
 */
export class Progress {
  private done = 0;
  private readonly waiters: { at: number; wake: () => void }[] = [];
  private limit = Number.POSITIVE_INFINITY;
  private resumed: Promise<void> = Promise.resolve();
  private resume: () => void = () => {};

  constructor(readonly total: number) {}

  get fraction(): number {
    return this.total === 0 ? 1 : this.done / this.total;
  }

  advance(): void {
    this.done++;
    for (const waiter of this.waiters.filter((candidate) => candidate.at <= this.fraction)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.wake();
    }
  }

  /** Resolves once `fraction` of the deployments are done. */
  reached(fraction: number): Promise<void> {
    if (fraction <= this.fraction) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ at: fraction, wake }));
  }

  /** Deployments from index `index` on wait to start until `proceed()`. */
  pauseFrom(index: number): void {
    this.limit = index;
    this.resumed = new Promise((resolve) => {
      this.resume = resolve;
    });
  }

  proceed(): void {
    this.limit = Number.POSITIVE_INFINITY;
    this.resume();
  }

  /** Resolves when the deployment of `index` may start. */
  async mayStart(index: number): Promise<void> {
    while (index >= this.limit) await this.resumed;
  }
}
