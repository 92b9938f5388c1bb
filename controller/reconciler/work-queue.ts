/**
 * The reconciler's queue of intent keys, level-based as in controller-runtime: a key says "look
 * at this intent again", never what changed, so adding one twice is one visit. A key whose visit
 * failed for a transient reason waits 1, 2, 4... intervals (at most `maxDelay`) before the next.
 */
export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly notBefore = new Map<string, number>();

  constructor(private readonly maxDelay = 8) {}

  add(key: string): void {
    this.queued.add(key);
  }

  /** The keys due at this interval, in order; they leave the queue until added again. */
  take(interval: number): string[] {
    const due = [...this.queued].filter((k) => (this.notBefore.get(k) ?? 0) <= interval).sort();
    for (const k of due) this.queued.delete(k);
    return due;
  }

  /** The visit failed for a reason that may pass: try again after a growing number of intervals. */
  retry(key: string, interval: number): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.notBefore.set(key, interval + Math.min(this.maxDelay, 2 ** (n - 1)));
    this.queued.add(key);
  }

  /** The visit succeeded, or failed for good: forget its failures. */
  done(key: string): void {
    this.failures.delete(key);
    this.notBefore.delete(key);
  }

  /** How many visits in a row have failed for this key. */
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}
