import { Random } from "../../common/random.js";
import { Fleet, type StartupProfile } from "./fleet.js";
import { p99LatencyMs, serveTick, sloUtilization, slowerThan } from "./service-model.js";

const FIXED: StartupProfile = {
  imageCachedShare: 1,
  pull: { meanSeconds: 30, cv: 0 },
  start: { meanSeconds: 10, cv: 0 },
  readinessSeconds: [5, 5],
};

describe("the fleet of replicas", () => {
  test("a new replica is ready after its start-up; the pull counts only when the image is not cached", () => {
    const fleet = new Fleet(FIXED, new Random(1), 2, 0);
    fleet.scaleTo(3, 0);
    expect([fleet.replicas, fleet.ready(14_999), fleet.ready(15_000)]).toEqual([3, 2, 3]);
    const uncached = new Fleet({ ...FIXED, imageCachedShare: 0 }, new Random(1), 1, 0);
    uncached.scaleTo(2, 0);
    expect([uncached.ready(44_999), uncached.ready(45_000)]).toEqual([1, 2]);
  });

  test("a pod that fits on no node waits for one; Karpenter provisions for the batch; empty nodes go", () => {
    const nodes = { podsPerNode: 2, provision: { meanSeconds: 60, cv: 0 }, emptyForSeconds: 30 };
    const fleet = new Fleet({ ...FIXED, nodes }, new Random(1), 2, 0);
    expect(fleet.nodeCount).toBe(1);
    fleet.scaleTo(5, 1000);
    // Three pods wait for two new nodes (60 s), then start (15 s).
    expect(fleet.nodeCount).toBe(3);
    expect([fleet.ready(75_999), fleet.ready(76_000)]).toEqual([2, 5]);
    // Scaling down removes the newest first; a node left empty is removed after 30 s.
    fleet.scaleTo(2, 100_000);
    fleet.tick(100_000);
    fleet.tick(130_000);
    expect([fleet.replicas, fleet.nodeCount]).toEqual([2, 1]);
  });

  test("scaling down removes unready pods before ready ones", () => {
    const fleet = new Fleet(FIXED, new Random(1), 2, 0);
    fleet.scaleTo(4, 10_000);
    fleet.scaleTo(2, 12_000);
    expect(fleet.ready(12_000)).toBe(2);
  });
});

describe("the service model", () => {
  const profile = { capacityRps: 100, baseLatencyMs: 50, p99ObjectiveMs: 200, timeoutMs: 2000 };

  test("M/M/1 per replica: the p99 and the share slower than the objective agree", () => {
    // ln(100)/(100 − 50) s = 92.1 ms, plus 50 ms.
    expect(p99LatencyMs(profile, 50)).toBeCloseTo(142.1, 1);
    // At the utilization where the p99 is the objective, 1% of requests are slower than it.
    const u = sloUtilization(profile);
    expect(p99LatencyMs(profile, u * 100)).toBeCloseTo(200, 6);
    expect(slowerThan(profile, u * 100)).toBeCloseTo(0.01, 6);
    expect(slowerThan(profile, 100)).toBe(1);
  });

  test("beyond capacity the excess queues, drains when capacity returns, and fails past the timeout", () => {
    const over = serveTick(profile, { rps: 280, ready: 2, backlog: 0 }, 5);
    expect(over).toMatchObject({ utilization: 1, slowShare: 1, backlog: 400, failed: 0 });
    const worse = serveTick(profile, { rps: 600, ready: 2, backlog: 400 }, 5);
    // 400 + 3000 offered, 1000 served; at most 2 s × 200 rps = 400 may wait.
    expect(worse).toMatchObject({ backlog: 400, failed: 2000 });
    const drained = serveTick(profile, { rps: 50, ready: 2, backlog: 400 }, 5);
    expect(drained.backlog).toBe(0);
    expect(drained.utilization).toBeCloseTo(650 / 1000);
    expect(serveTick(profile, { rps: 10, ready: 0, backlog: 0 }, 5)).toMatchObject({
      slowShare: 1,
      failed: 50,
    });
  });
});
