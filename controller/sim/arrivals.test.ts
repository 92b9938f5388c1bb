import { Random } from "../../common/random.js";
import { arrivalProcess } from "./arrivals.js";

function countArrivals(spec: Parameters<typeof arrivalProcess>[0], untilMs: number, seed = 1): number[] {
  const process = arrivalProcess(spec, new Random(seed));
  const times: number[] = [];
  for (let t = process.next(0); t < untilMs; t = process.next(t)) times.push(t);
  return times;
}

describe("arrival processes", () => {
  it("Poisson arrives at its rate", () => {
    expect(countArrivals({ kind: "poisson", rps: 200 }, 100_000).length / 100).toBeCloseTo(200, -1);
  });

  it("MMPP averages its states' rates, weighted by their mean durations", () => {
    const states = [
      { rps: 100, meanDurationMs: 1_000 },
      { rps: 1_000, meanDurationMs: 3_000 },
    ];
    const rate = countArrivals({ kind: "mmpp", states }, 2_000_000).length / 2_000;
    expect(Math.abs(rate / ((100 * 1 + 1000 * 3) / 4) - 1)).toBeLessThan(0.03);
  });

  it("a flash sale ramps from base to peak, holds, and ramps back", () => {
    const spec = {
      kind: "flash-sale",
      baseRps: 100,
      peakRps: 2_000,
      startMs: 10_000,
      rampMs: 5_000,
      holdMs: 20_000,
    } as const;
    const times = countArrivals(spec, 50_000);
    const rateIn = (from: number, to: number) =>
      times.filter((t) => t >= from && t < to).length / ((to - from) / 1000);
    expect(rateIn(0, 10_000)).toBeCloseTo(100, -1);
    expect(Math.abs(rateIn(15_000, 35_000) / 2_000 - 1)).toBeLessThan(0.03);
    expect(Math.abs(rateIn(10_000, 15_000) / 1_050 - 1)).toBeLessThan(0.05); // mean of a linear ramp
    expect(rateIn(40_000, 50_000)).toBeCloseTo(100, -1);
  });
});
