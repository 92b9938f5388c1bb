/**
 * A seeded schedule of labelled faults for the AIOps benchmark: after a healthy warm-up, faults
 * in random services at random times, of random kind and size, with healthy stretches between
 * them. Faults never overlap, so each has one true root cause to be found. A fault in a callee
 * (catalog, payments, ...) surfaces in its callers too; that is the point of drawing from every
 * service, leaves included.
 */
import { Random } from "../../common/random.js";
import type { FaultKnobs } from "../../services/lib/faults.js";

export type FaultKind = "latency" | "errors" | "stall";

export interface Fault {
  readonly id: number;
  readonly service: string;
  readonly kind: FaultKind;
  readonly startMs: number;
  readonly endMs: number;
  /** What PUT /faults sets on the service for the fault's duration. */
  readonly knobs: Partial<FaultKnobs>;
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly services: readonly string[];
  readonly warmupMs: number;
  readonly faults: number;
  /** Each fault's length, drawn uniformly between the two. */
  readonly faultMs: readonly [number, number];
  /** Each healthy stretch after a fault, likewise. */
  readonly healthyMs: readonly [number, number];
}

/** Every knob back to zero: what a fault's end sets. */
export const HEALTHY_KNOBS: FaultKnobs = { latencyMs: 0, latencyJitterMs: 0, errorRate: 0, stallRate: 0 };

const KINDS: readonly FaultKind[] = ["latency", "errors", "stall"];

function knobsFor(kind: FaultKind, r: Random): Partial<FaultKnobs> {
  const between = (lo: number, hi: number, digits: number) =>
    Number((lo + r.uniform() * (hi - lo)).toFixed(digits));
  switch (kind) {
    case "latency": {
      const latencyMs = Math.round(between(80, 400, 0));
      return { latencyMs, latencyJitterMs: Math.round(latencyMs / 2) };
    }
    case "errors":
      return { errorRate: between(0.03, 0.3, 3) };
    case "stall":
      return { stallRate: between(0.03, 0.2, 3) };
  }
}

export function faultSchedule(o: ScheduleOptions): { faults: Fault[]; endMs: number } {
  if (o.services.length === 0)
    throw new Error("faultSchedule: 'services' is empty; name at least one service to break");
  const r = new Random(o.seed).fork("fault-schedule");
  const span = ([lo, hi]: readonly [number, number]) => Math.round(lo + r.uniform() * (hi - lo));
  const faults: Fault[] = [];
  let at = o.warmupMs;
  for (let id = 1; id <= o.faults; id++) {
    const service = o.services[r.int(o.services.length)];
    const kind = KINDS[r.int(KINDS.length)];
    const length = span(o.faultMs);
    faults.push({ id, service, kind, startMs: at, endMs: at + length, knobs: knobsFor(kind, r) });
    at += length + span(o.healthyMs);
  }
  return { faults, endMs: at };
}
