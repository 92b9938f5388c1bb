import type { Random } from "../../common/random.js";
import type { Arrivals } from "./model.js";

/** Produces open-loop arrival times, one after another. */
export interface ArrivalProcess {
  /** The next arrival strictly after `now`. */
  next(now: number): number;
}

export function arrivalProcess(spec: Arrivals, random: Random): ArrivalProcess {
  switch (spec.kind) {
    case "poisson":
      return { next: (now) => now + random.exponential(1000 / spec.rps) };
    case "uniform":
      return { next: (now) => now + 1000 / spec.rps };
    case "mmpp":
      return new MarkovModulated(spec.states, random);
    case "flash-sale":
      return new FlashSale(spec, random);
  }
}

/** Poisson within each state; exponential sojourns, so restarting at a state boundary is exact. */
class MarkovModulated implements ArrivalProcess {
  private state = 0;
  private stateEnd: number;

  constructor(
    private readonly states: readonly { rps: number; meanDurationMs: number }[],
    private readonly random: Random,
  ) {
    this.stateEnd = random.exponential(states[0].meanDurationMs);
  }

  next(now: number): number {
    let t = now;
    for (;;) {
      const { rps } = this.states[this.state];
      const candidate = rps > 0 ? t + this.random.exponential(1000 / rps) : Number.POSITIVE_INFINITY;
      if (candidate < this.stateEnd) return candidate;
      t = this.stateEnd;
      this.state = (this.state + 1) % this.states.length;
      this.stateEnd = t + this.random.exponential(this.states[this.state].meanDurationMs);
    }
  }
}

/** A non-homogeneous Poisson process by thinning against the peak rate (Lewis and Shedler). */
class FlashSale implements ArrivalProcess {
  constructor(
    private readonly spec: Extract<Arrivals, { kind: "flash-sale" }>,
    private readonly random: Random,
  ) {}

  /** Arrival rate at time t, requests per second. */
  rate(t: number): number {
    const { baseRps, peakRps, startMs, rampMs, holdMs } = this.spec;
    const up = startMs + rampMs;
    const down = up + holdMs;
    if (t < startMs || t >= down + rampMs) return baseRps;
    if (t < up) return baseRps + ((peakRps - baseRps) * (t - startMs)) / rampMs;
    if (t < down) return peakRps;
    return peakRps - ((peakRps - baseRps) * (t - down)) / rampMs;
  }

  next(now: number): number {
    const max = Math.max(this.spec.peakRps, this.spec.baseRps);
    let t = now;
    for (;;) {
      t += this.random.exponential(1000 / max);
      if (this.random.uniform() * max <= this.rate(t)) return t;
    }
  }
}
