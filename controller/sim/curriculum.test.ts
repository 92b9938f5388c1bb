import { describe, expect, test } from "@jest/globals";
import { curriculumScenario } from "./curriculum.js";
import { meanServiceMs } from "./replica.js";

describe("the pre-training curriculum", () => {
  test("is reproducible from its seed and varies what a mesh meets, within the stated ranges", () => {
    expect(curriculumScenario(1, 3)).toEqual(curriculumScenario(1, 3));
    expect(curriculumScenario(1, 3)).not.toEqual(curriculumScenario(2, 3));
    const draws = Array.from({ length: 200 }, (_, i) => curriculumScenario(1, i));
    const kinds = new Set<string>();
    const services = new Set<string>();
    for (const s of draws) {
      const { replicas, arrivals, faults } = s.config;
      expect(replicas.length).toBeGreaterThanOrEqual(4);
      expect(replicas.length).toBeLessThanOrEqual(12);
      const capacity = replicas.reduce(
        (n, r) => n + (r.slots * (r.speed ?? 1) * 1000) / meanServiceMs(r.serviceTime),
        0,
      );
      const load = (arrivals as { rps: number }).rps / capacity;
      expect(load).toBeGreaterThan(0.39);
      expect(load).toBeLessThan(0.96);
      for (const f of faults ?? []) {
        kinds.add(f.kind);
        if ("replica" in f) expect(f.replica).toBeLessThan(replicas.length);
      }
      if ((faults ?? []).length === 0) kinds.add("none");
      services.add(replicas[0].serviceTime.kind);
    }
    expect([...kinds].sort()).toEqual(["brownout", "crash", "error-burst", "none"]);
    expect([...services].sort()).toEqual(["exponential", "lognormal", "pareto"]);
    // None of them is a bundled scenario.
    expect(draws.every((s) => s.name.startsWith("curriculum-"))).toBe(true);
  });
});
