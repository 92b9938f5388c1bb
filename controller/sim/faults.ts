import type { Fault } from "./model.js";

/** Answers, for a replica at a time, how the fault timeline changes it. */
export class FaultTimeline {
  private readonly brownouts: Extract<Fault, { kind: "brownout" }>[];
  private readonly bursts: Extract<Fault, { kind: "error-burst" }>[];
  private readonly crashes: Extract<Fault, { kind: "crash" }>[];
  private readonly flip?: Extract<Fault, { kind: "speed-flip" }>;

  constructor(
    faults: readonly Fault[],
    private readonly seed: number,
  ) {
    this.brownouts = faults.filter((f): f is Extract<Fault, { kind: "brownout" }> => f.kind === "brownout");
    this.bursts = faults.filter(
      (f): f is Extract<Fault, { kind: "error-burst" }> => f.kind === "error-burst",
    );
    this.crashes = faults.filter((f): f is Extract<Fault, { kind: "crash" }> => f.kind === "crash");
    this.flip = faults.find((f): f is Extract<Fault, { kind: "speed-flip" }> => f.kind === "speed-flip");
  }

  /** Multiplier on the replica's speed at `now`. */
  speedFactor(replica: number, now: number): number {
    let factor = 1;
    for (const b of this.brownouts)
      if (b.replica === replica && now >= b.fromMs && now < b.toMs) factor /= b.factor;
    if (this.flip) {
      const epoch = Math.floor(now / this.flip.periodMs);
      if (coin(this.seed, epoch, replica)) factor *= this.flip.fastFactor;
    }
    return factor;
  }

  errorProbability(replica: number, now: number, base: number): number {
    let p = base;
    for (const b of this.bursts)
      if (b.replica === replica && now >= b.fromMs && now < b.toMs) p = Math.max(p, b.probability);
    return p;
  }

  crashed(replica: number, now: number): boolean {
    for (const c of this.crashes) if (c.replica === replica && now >= c.fromMs && now < c.toMs) return true;
    return false;
  }
}

/**
 * A fair coin per (seed, epoch, replica), computed rather than drawn in sequence, so the speed a
 * replica has in an epoch does not depend on when, or whether, anything looked at it.
 */
function coin(seed: number, epoch: number, replica: number): boolean {
  let h =
    Math.imul(seed ^ 0x2545f491, 0x9e3779b1) ^
    Math.imul(epoch + 1, 0x85ebca77) ^
    Math.imul(replica + 1, 0xc2b2ae3d);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) & 1) === 1;
}
