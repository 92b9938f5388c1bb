/**
 * The simulator config the tests keep reaching for: one version of identical replicas (four
 * worker slots, lognormal 20 ms service), Poisson load, one replica browned out for a while.
 */
import type { SimulationConfig } from "../sim/model.js";

export interface FleetOptions {
  readonly seed: number;
  readonly replicas: number;
  readonly rps: number;
  readonly durationMs: number;
  /** When replica 0 slows down, and how much; it stays slow to the end. */
  readonly brownout?: { readonly fromMs: number; readonly factor: number };
  /** @default 1 */
  readonly cv?: number;
  readonly algorithm?: SimulationConfig["routing"]["algorithm"];
}

export function brownoutFleet(o: FleetOptions, more: Partial<SimulationConfig> = {}): SimulationConfig {
  return {
    seed: o.seed,
    durationMs: o.durationMs,
    replicas: Array.from({ length: o.replicas }, () => ({
      subset: "v1",
      slots: 4,
      serviceTime: { kind: "lognormal", meanMs: 20, cv: o.cv ?? 1 } as const,
    })),
    arrivals: { kind: "poisson", rps: o.rps },
    faults: o.brownout
      ? [
          {
            kind: "brownout",
            replica: 0,
            factor: o.brownout.factor,
            fromMs: o.brownout.fromMs,
            toMs: o.durationMs,
          },
        ]
      : [],
    routing: { algorithm: o.algorithm ?? "LEAST_REQUEST", weights: { v1: 100 } },
    ...more,
  };
}
