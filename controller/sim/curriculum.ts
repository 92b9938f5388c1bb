/**
 * Randomized scenarios for pre-training the Q-learning controller: a curriculum wide enough that
 * the shipped table has seen the kinds of trouble a mesh meets, and none of the bundled scenarios,
 * so the bench can judge it on those as a user would. Each draw varies the replica count, the
 * load (40 to 95% of capacity), how uneven the replicas are, the service-time distribution, and
 * the fault: its kind (brownout, errors, a crash, a brownout that moves, none), size and timing.
 */
import { Random } from "../../common/random.js";
import type { Fault, ReplicaSpec, ServiceTime } from "./model.js";
import { meanServiceMs } from "./replica.js";
import type { Scenario } from "./scenario.js";

const DURATION_MS = 240_000;

function serviceTime(random: Random): ServiceTime {
  const meanMs = 10 + random.uniform() * 30;
  switch (random.int(3)) {
    case 0:
      return { kind: "exponential", meanMs };
    case 1:
      return { kind: "lognormal", meanMs, cv: 0.5 + random.uniform() * 1.5 };
    default:
      return { kind: "pareto", alpha: 1.5 + random.uniform(), minMs: meanMs / 3, maxMs: 2000 };
  }
}

function fault(random: Random, replicas: number): Fault[] {
  const fromMs = 30_000 + random.int(90) * 1000;
  const toMs = Math.min(DURATION_MS, fromMs + 60_000 + random.int(120) * 1000);
  const replica = random.int(replicas);
  switch (random.int(5)) {
    case 0:
      return [{ kind: "brownout", replica, factor: 3 + random.uniform() * 17, fromMs, toMs }];
    case 1:
      return [{ kind: "error-burst", replica, probability: 0.2 + random.uniform() * 0.6, fromMs, toMs }];
    case 2:
      return [{ kind: "crash", replica, fromMs, toMs }];
    case 3: {
      // A brownout that hops to another replica every minute.
      const hops: Fault[] = [];
      for (
        let at = fromMs, r = replica;
        at < toMs;
        at += 60_000, r = (r + 1 + random.int(replicas - 1)) % replicas
      )
        hops.push({
          kind: "brownout",
          replica: r,
          factor: 10,
          fromMs: at,
          toMs: Math.min(toMs, at + 60_000),
        });
      return hops;
    }
    default:
      return [];
  }
}

/** The `index`-th scenario of the curriculum drawn from `seed`: the same pair gives the same scenario. */
export function curriculumScenario(seed: number, index: number): Scenario {
  const random = new Random(seed).fork(`curriculum:${index}`);
  const replicas = 4 + random.int(9);
  const slots = 2 + random.int(7);
  const st = serviceTime(random);
  const slow = random.uniform() < 0.5 ? random.int(Math.ceil(replicas / 4) + 1) : 0;
  const twoVersions = random.uniform() < 0.3;
  const specs: ReplicaSpec[] = Array.from({ length: replicas }, (_, i) => ({
    subset: twoVersions && i >= replicas / 2 ? "v2" : "v1",
    slots,
    serviceTime: st,
    ...(i < slow ? { speed: 0.3 + random.uniform() * 0.5 } : {}),
  }));
  const capacityRps = specs.reduce((n, r) => n + (r.slots * (r.speed ?? 1) * 1000) / meanServiceMs(st), 0);
  const load = 0.4 + random.uniform() * 0.55;
  const mean = meanServiceMs(st);
  return {
    name: `curriculum-${seed}-${index}`,
    config: {
      seed: 2_000_000 + index,
      durationMs: DURATION_MS,
      warmupMs: 20_000,
      controlIntervalMs: 10_000,
      clientTimeoutMs: 2000,
      replicas: specs,
      arrivals: { kind: "poisson", rps: Math.round(load * capacityRps) },
      faults: fault(random, replicas),
      routing: {
        algorithm: "LEAST_REQUEST",
        weights: twoVersions ? { v1: 50, v2: 50 } : { v1: 100 },
      },
    },
    // An objective a healthy fleet meets with room: a few mean service times.
    objectives: { p99LatencyMs: Math.round(Math.max(50, 5 * mean)), errorRate: 0.001 },
    telemetry: {},
  };
}
