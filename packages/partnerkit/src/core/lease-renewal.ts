export interface LeaseRenewal {
  /** Stops renewing and waits for a renewal in flight, so none lands after what follows. */
  stop(): Promise<void>;
}

/**
 * Calls `renew` every third of `leaseMs`, one call at a time, until `stop()` or until `renew`
 * answers false (the lease is no longer held, so there is nothing left to renew). `renew` handles
 * its own errors; one that escapes counts as a failed renewal and the next is tried on time.
 */
export function keepRenewing(renew: () => Promise<boolean>, leaseMs: number): LeaseRenewal {
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(renew).then(
      (held) => {
        if (!held) clearInterval(timer);
      },
      () => {},
    );
  }, leaseMs / 3);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await renewing;
    },
  };
}
