import { faultSchedule } from "./fault-schedule.js";

const OPTIONS = {
  seed: 4,
  services: ["frontend", "catalog", "cart", "checkout", "payments", "orders", "recommendation"],
  warmupMs: 600_000,
  faults: 40,
  faultMs: [180_000, 360_000] as const,
  healthyMs: [240_000, 360_000] as const,
};

describe("fault schedule", () => {
  it("is reproducible from its seed, and the seed matters", () => {
    expect(faultSchedule(OPTIONS)).toEqual(faultSchedule(OPTIONS));
    expect(faultSchedule({ ...OPTIONS, seed: 5 })).not.toEqual(faultSchedule(OPTIONS));
  });

  it("starts after the warm-up, never overlaps, keeps lengths and gaps in range, and ends after the last gap", () => {
    const { faults, endMs } = faultSchedule(OPTIONS);
    expect(faults).toHaveLength(40);
    expect(faults[0].startMs).toBe(600_000);
    for (let i = 0; i < faults.length; i++) {
      const f = faults[i];
      expect(f.endMs - f.startMs).toBeGreaterThanOrEqual(180_000);
      expect(f.endMs - f.startMs).toBeLessThanOrEqual(360_000);
      const next = faults[i + 1]?.startMs ?? endMs;
      expect(next - f.endMs).toBeGreaterThanOrEqual(240_000);
      expect(next - f.endMs).toBeLessThanOrEqual(360_000);
    }
  });

  it("draws every kind, in callees and callers alike, with knobs in range", () => {
    const { faults } = faultSchedule(OPTIONS);
    expect(new Set(faults.map((f) => f.kind))).toEqual(new Set(["latency", "errors", "stall"]));
    expect(new Set(faults.map((f) => f.service)).size).toBeGreaterThanOrEqual(6);
    for (const f of faults) {
      if (f.kind === "latency") expect(f.knobs.latencyMs).toBeGreaterThanOrEqual(80);
      if (f.kind === "errors") expect(f.knobs.errorRate).toBeLessThanOrEqual(0.3);
      if (f.kind === "stall") expect(f.knobs.stallRate).toBeGreaterThanOrEqual(0.03);
    }
    expect(() => faultSchedule({ ...OPTIONS, services: [] })).toThrow(/'services' is empty/);
  });

  it("adds pod faults after the service faults, in one replica each, split evenly between the arms", () => {
    const plain = faultSchedule(OPTIONS);
    const withPods = faultSchedule({ ...OPTIONS, podFaults: { service: "catalog", replicas: 4, count: 6 } });
    // The service faults are the same with or without the pod faults.
    expect(withPods.faults.slice(0, 40)).toEqual(plain.faults);
    const pods = withPods.faults.slice(40);
    expect(pods).toHaveLength(6);
    expect(pods[0].startMs).toBe(plain.endMs);
    expect(pods.every((f) => f.service === "catalog" && f.replica !== undefined && f.replica < 4)).toBe(true);
    expect(pods.filter((f) => f.arm === "act")).toHaveLength(3);
    expect(pods.map((f) => f.id)).toEqual([41, 42, 43, 44, 45, 46]);
    expect(() =>
      faultSchedule({ ...OPTIONS, podFaults: { service: "catalog", replicas: 1, count: 2 } }),
    ).toThrow("faultSchedule: podFaults.replicas is 1; a pod fault needs peers (at least 2)");
  });
});
