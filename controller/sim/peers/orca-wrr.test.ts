import { describe, expect, test } from "@jest/globals";
import { Random } from "../../../common/random.js";
import { brownoutFleet } from "../../testbed/brownout-fleet.js";
import { simulate } from "../engine.js";
import type { ReplicaState } from "../replica.js";
import { OrcaWeightedRoundRobin } from "./orca-wrr.js";

describe("Envoy's client-side weighted round robin", () => {
  test("weights follow qps over utilization after the blackout, and hosts without one take the median", () => {
    let now = 0;
    const host = (index: number, slots: number) =>
      ({ index, slots, busy: 0, busyIntegral: 0, lastBusyChange: 0 }) as unknown as ReplicaState;
    const hosts = [host(0, 4), host(1, 4), host(2, 4)];
    const wrr = new OrcaWeightedRoundRobin({
      now: () => now,
      random: new Random(1),
      schedule: () => undefined,
      requestsInFlight: () => 0,
    });
    // Hosts 0 and 1 serve at the same rate; host 0 is twice as busy, so half the weight. Host 2 never reports.
    const picks = [0, 0, 0];
    for (now = 0; now < 20_000; now += 5) {
      for (const [i, h] of hosts.slice(0, 2).entries()) {
        h.busy = i === 0 ? 2 : 1;
        wrr.onServed(h, 10, false);
        wrr.onResponse(h);
      }
      if (now >= 15_000) picks[wrr.pick(hosts).index as number]++;
    }
    expect(picks[1] / picks[0]).toBeCloseTo(2, 1);
    // Host 2 has no weight of its own: it takes the median of the valid ones (host 1's, the upper).
    expect(picks[2] / picks[1]).toBeCloseTo(1, 1);
  });

  test("moves load off a browned-out replica", () => {
    const run = (algorithm: "ORCA_WRR" | "ROUND_ROBIN") =>
      simulate(
        brownoutFleet(
          {
            seed: 4,
            replicas: 6,
            rps: 800,
            durationMs: 60_000,
            algorithm,
            brownout: { fromMs: 10_000, factor: 5 },
          },
          { warmupMs: 5_000 },
        ),
      );
    expect(run("ORCA_WRR").p99Ms).toBeLessThan(run("ROUND_ROBIN").p99Ms / 2);
  });
});
