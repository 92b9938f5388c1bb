import { ThreeSigmaDetector } from "./three-sigma.js";

describe("three-sigma peer", () => {
  it("fits mean and σ on its warm-up and fires on one reading past 3σ in the bad direction", () => {
    const d = new ThreeSigmaDetector(4);
    for (const p99Ms of [100, 110, 90, 100]) d.step({ atMs: 0, services: { cart: { p99Ms } } });
    // σ = 7.07, below the 20 ms floor: 3σ is 60 ms.
    expect(d.step({ atMs: 1, services: { cart: { p99Ms: 159 } } })[0].anomalous).toBe(false);
    expect(d.step({ atMs: 2, services: { cart: { p99Ms: 161 } } })[0]).toMatchObject({ anomalous: true });
    expect(d.step({ atMs: 3, services: { cart: { p99Ms: 10 } } })[0].anomalous).toBe(false);
  });
});
