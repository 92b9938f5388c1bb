/**
 * A seeded schedule of labelled faults for the AIOps benchmark: after a healthy warm-up, faults
 * in random services at random times, of random kind and size, with healthy stretches between
 * them. Faults never overlap, so each has one true root cause to be found. A fault in a callee
 * (catalog, payments, ...) surfaces in its callers too; that is the point of drawing from every
 * service, leaves included.
 *
 * Pod faults come after them, for the remediation experiment: one replica of a replicated service
 * goes bad (a leak, a wedged pool: state a restart clears) while its peers stay fine. Each is
 * assigned an arm by the seed, half with remediation on and half without, so time to recovery is
 * compared on like faults. They draw from their own stream: the service faults before them are the
 * same with or without them.
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
  /** A pod fault: the replica it is set on (every replica otherwise). */
  readonly replica?: number;
  /** A pod fault's arm: remediation on (act) or off (none) while it lasts. */
  readonly arm?: "act" | "none";
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
  /** Pod faults after the service faults, in one replica each of `service`; an even count splits evenly between the arms. */
  readonly podFaults?: { readonly service: string; readonly replicas: number; readonly count: number };
}

/** Every knob back to zero: what a fault's end sets. */
export const HEALTHY_KNOBS: FaultKnobs = { latencyMs: 0, latencyJitterMs: 0, errorRate: 0, stallRate: 0 };

const KINDS: readonly FaultKind[] = ["latency", "errors", "stall"];

type Ranges = Readonly<Record<FaultKind, readonly [number, number]>>;

/** Sizes of a service fault: latency (ms), error and stall shares. */
const SERVICE_SIZES: Ranges = { latency: [80, 400], errors: [0.03, 0.3], stall: [0.03, 0.2] };
/** One bad replica of four shows a quarter of this in its service: sized to stand out from its peers. */
const POD_SIZES: Ranges = { latency: [400, 1500], errors: [0.3, 0.9], stall: [0.2, 0.6] };

function knobsFor(kind: FaultKind, r: Random, sizes: Ranges = SERVICE_SIZES): Partial<FaultKnobs> {
  const [lo, hi] = sizes[kind];
  const x = lo + r.uniform() * (hi - lo);
  switch (kind) {
    case "latency": {
      const latencyMs = Math.round(x);
      return { latencyMs, latencyJitterMs: Math.round(latencyMs / 2) };
    }
    case "errors":
      return { errorRate: Number(x.toFixed(3)) };
    case "stall":
      return { stallRate: Number(x.toFixed(3)) };
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
  const pods = o.podFaults;
  if (pods !== undefined && pods.count > 0) {
    if (pods.replicas < 2)
      throw new Error(
        `faultSchedule: podFaults.replicas is ${pods.replicas}; a pod fault needs peers (at least 2)`,
      );
    const p = new Random(o.seed).fork("pod-faults");
    const pspan = ([lo, hi]: readonly [number, number]) => Math.round(lo + p.uniform() * (hi - lo));
    // Half and half, in a seeded order.
    const arms = Array.from({ length: pods.count }, (_, i): "act" | "none" => (i % 2 === 0 ? "act" : "none"));
    for (let i = arms.length - 1; i > 0; i--) {
      const j = p.int(i + 1);
      [arms[i], arms[j]] = [arms[j], arms[i]];
    }
    for (let i = 0; i < pods.count; i++) {
      const kind = KINDS[p.int(KINDS.length)];
      const length = pspan(o.faultMs);
      faults.push({
        id: faults.length + 1,
        service: pods.service,
        kind,
        startMs: at,
        endMs: at + length,
        knobs: knobsFor(kind, p, POD_SIZES),
        replica: p.int(pods.replicas),
        arm: arms[i],
      });
      at += length + pspan(o.healthyMs);
    }
  }
  return { faults, endMs: at };
}
