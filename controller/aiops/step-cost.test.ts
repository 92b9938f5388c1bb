import { measureStepCost } from "./step-cost.js";

describe("AIOps step cost", () => {
  it("measures a step over the given number of services, the snapshot growing with them", () => {
    const small = measureStepCost(3, 1, 12, 3);
    const large = measureStepCost(30, 1, 12, 3);
    expect(small.services).toBe(3);
    expect(large.snapshotBytes).toBeGreaterThan(9 * small.snapshotBytes);
    for (const c of [small, large]) {
      expect(c.stepMs).toBeGreaterThan(0);
      expect(c.worstStepMs).toBeGreaterThanOrEqual(c.stepMs);
      expect(c.trainingStepMs).toBeGreaterThan(0);
    }
  });
});
