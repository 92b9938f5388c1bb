import { Random } from "../../common/random.js";
import { median, RobustBaseline } from "./robust-baseline.js";

describe("robust baseline", () => {
  it("estimates a normal series' centre and standard deviation, unmoved by a few wild outliers", () => {
    const random = new Random(7);
    const b = new RobustBaseline("rps", { recent: 4000, perSlot: 4000 });
    for (let i = 0; i < 2000; i++) b.observe(i * 1000, 100 + 10 * random.normal());
    for (let i = 0; i < 20; i++) b.observe(2_000_000 + i, 5000); // 1% outliers
    const e = b.expect(0);
    expect(e?.median).toBeCloseTo(100, 0);
    // 1.4826 × MAD estimates σ = 10 for a normal series.
    expect(e?.scale).toBeGreaterThan(9.3);
    expect(e?.scale).toBeLessThan(10.8);
    expect(b.score(0, 160)).toBeCloseTo((160 - (e?.median ?? 0)) / (e?.scale ?? 1), 6);
  });

  it("scores only the bad direction for latency, both for traffic, and applies the floor to a flat signal", () => {
    const lat = new RobustBaseline("p99Ms");
    const rps = new RobustBaseline("rps");
    const errors = new RobustBaseline("errorRatio");
    for (let i = 0; i < 50; i++) {
      lat.observe(i, 100 + (i % 5));
      rps.observe(i, 50 + (i % 5));
      errors.observe(i, 0);
    }
    expect(lat.score(0, 10)).toBe(0); // faster than usual is no symptom
    expect(rps.score(0, 10)).toBeGreaterThan(10); // a traffic drop is
    // No error ever: σ is 0, so the floor (1%) is the unit: 5% errors is 5 units out.
    expect(errors.score(0, 0.05)).toBeCloseTo(5, 6);
  });

  it("uses the seasonal slot once it has enough readings, the recent ones before", () => {
    const hour = 3_600_000;
    const b = new RobustBaseline("rps", { seasonMs: 24 * hour, slotMs: hour, minPerSlot: 10 });
    // Night (slot 2) runs at 10 rps, day (slot 14) at 100 rps.
    for (let i = 0; i < 9; i++) b.observe(2 * hour + i, 10);
    for (let i = 0; i < 40; i++) b.observe(14 * hour + i, 100);
    expect(b.expect(2 * hour)?.median).toBe(100); // 9 night readings: not enough, recent ones used
    b.observe(2 * hour + 9, 10);
    expect(b.expect(2 * hour)?.median).toBe(10);
    // The next day's night, one season later, is judged against the night.
    expect(b.expect(26 * hour)?.median).toBe(10);
    expect(b.score(26 * hour, 100)).toBeGreaterThan(50);
  });

  it("has a median for even and odd counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
