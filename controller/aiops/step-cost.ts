/**
 * What one AIOps step costs at a given number of services, measured on synthetic healthy
 * snapshots: the figures behind the event-bus decision (docs/AIOPS.md, "Event bus"). The call
 * graph is a tree of fan-out 3, the readings seeded noise; the clock is only for the measurement.
 */
import { Random } from "../../common/random.js";
import { AiopsPipeline } from "./pipeline.js";
import type { CallGraph } from "./root-cause.js";
import type { Readings, Snapshot } from "./signals.js";

export interface StepCost {
  readonly services: number;
  /** One snapshot as JSON: what a bus would carry per interval. */
  readonly snapshotBytes: number;
  /** Mean and worst time of a judged step, and of the warm-up's last step, which trains every autoencoder. */
  readonly stepMs: number;
  readonly worstStepMs: number;
  readonly trainingStepMs: number;
}

/** One healthy service's readings: seeded noise around a steady load. */
export function healthyReadings(r: Random): Readings {
  const load = 50 + 5 * r.normal();
  return {
    rps: load,
    errorRatio: Math.max(0, 0.001 * r.normal()),
    p50Ms: 20 + r.normal(),
    p99Ms: 80 + 5 * r.normal(),
    appP99Ms: 75 + 5 * r.normal(),
    eventLoopP99Ms: 11 + r.normal(),
    cpuCores: 0.01 * load + 0.02 * r.normal(),
  };
}

export function measureStepCost(services: number, seed = 1, warmupPoints = 40, judgedSteps = 20): StepCost {
  const names = Array.from({ length: services }, (_, i) => `svc-${String(i).padStart(4, "0")}`);
  const graph: CallGraph = Object.fromEntries(
    names.map((n, i) => [n, [1, 2, 3].map((k) => names[3 * i + k]).filter((c) => c !== undefined)]),
  );
  const pipeline = new AiopsPipeline(graph, { warmupPoints });
  const r = new Random(seed);
  const snapshot = (i: number): Snapshot => ({
    atMs: i * 15_000,
    services: Object.fromEntries(names.map((n) => [n, healthyReadings(r)])),
  });
  const time = (s: Snapshot) => {
    const t = performance.now();
    pipeline.step(s);
    return performance.now() - t;
  };
  let trainingStepMs = 0;
  for (let i = 0; i < warmupPoints; i++) trainingStepMs = time(snapshot(i));
  const judged: number[] = [];
  let bytes = 0;
  for (let i = warmupPoints; i < warmupPoints + judgedSteps; i++) {
    const s = snapshot(i);
    bytes = JSON.stringify(s).length;
    judged.push(time(s));
  }
  return {
    services,
    snapshotBytes: bytes,
    stepMs: judged.reduce((a, b) => a + b, 0) / judged.length,
    worstStepMs: Math.max(...judged),
    trainingStepMs,
  };
}
