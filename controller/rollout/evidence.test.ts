import { Random } from "../../common/random.js";
import { LATENCY_SPRT, probabilityWorse, sprtUpdate, sprtVerdict } from "./evidence.js";

/** The normal approximation of P(X − Y > margin) for two Beta posteriors: good with many requests. */
function normalApproximation(
  c: { requests: number; errors: number },
  s: { requests: number; errors: number },
  margin: number,
) {
  const moments = (x: { requests: number; errors: number }) => {
    const a = 0.5 + x.errors;
    const b = 0.5 + x.requests - x.errors;
    return { mean: a / (a + b), variance: (a * b) / ((a + b) ** 2 * (a + b + 1)) };
  };
  const mc = moments(c);
  const ms = moments(s);
  const z = (mc.mean - ms.mean - margin) / Math.sqrt(mc.variance + ms.variance);
  // Φ(z) by the Abramowitz–Stegun erf approximation (error below 1.5e-7).
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

describe("the error posterior", () => {
  it("agrees with the normal approximation of two Beta posteriors where that holds", () => {
    for (const [c, s, margin] of [
      [{ requests: 20_000, errors: 100 }, { requests: 60_000, errors: 240 }, 0.0005],
      [{ requests: 10_000, errors: 40 }, { requests: 10_000, errors: 40 }, 0],
      [{ requests: 5_000, errors: 30 }, { requests: 50_000, errors: 50 }, 0.002],
    ] as const) {
      const p = probabilityWorse(c, s, margin, new Random(7), 20_000);
      expect(Math.abs(p - normalApproximation(c, s, margin))).toBeLessThan(0.02);
    }
  });

  it("is reproducible from the stream it is handed", () => {
    const c = { requests: 1000, errors: 3 };
    const s = { requests: 9000, errors: 9 };
    expect(probabilityWorse(c, s, 0.0005, new Random(3))).toBe(probabilityWorse(c, s, 0.0005, new Random(3)));
  });

  it("is near certain for a canary failing 10% of requests against 0.01%", () => {
    expect(
      probabilityWorse({ requests: 500, errors: 50 }, { requests: 5000, errors: 0 }, 0.0005, new Random(1)),
    ).toBe(1);
  });
});

describe("the sequential latency test (Wald's SPRT)", () => {
  const s = LATENCY_SPRT;

  it("has Wald's boundaries: log((1−β)/α) to call worse, log(β/(1−α)) to call not worse", () => {
    expect(sprtVerdict(Math.log((1 - s.beta) / s.alpha), s)).toBe("worse");
    expect(sprtVerdict(Math.log((1 - s.beta) / s.alpha) - 1e-9, s)).toBe("undecided");
    expect(sprtVerdict(Math.log(s.beta / (1 - s.alpha)), s)).toBe("not-worse");
  });

  it("calls two worse intervals in a row worse, and two clean ones not worse", () => {
    const run = (outcomes: boolean[]) =>
      sprtVerdict(
        outcomes.reduce((llr, w) => sprtUpdate(llr, w, s), 0),
        s,
      );
    expect(run([true, true])).toBe("worse");
    expect(run([false, false])).toBe("not-worse");
    expect(run([true])).toBe("undecided");
    expect(run([true, false])).toBe("undecided");
  });

  it("keeps its error rates within Wald's bounds: α/(1−β) for a good canary, β/(1−α) for a bad one", () => {
    const random = new Random(11);
    const decide = (p: number) => {
      let llr = 0;
      for (let i = 0; i < 1000; i++) {
        llr = sprtUpdate(llr, random.uniform() < p, s);
        const v = sprtVerdict(llr, s);
        if (v !== "undecided") return v;
      }
      return "undecided";
    };
    const trials = 4000;
    let falseWorse = 0;
    let falseClean = 0;
    for (let i = 0; i < trials; i++) {
      if (decide(s.p0) === "worse") falseWorse++;
      if (decide(s.p1) === "not-worse") falseClean++;
    }
    expect(falseWorse / trials).toBeLessThanOrEqual(s.alpha / (1 - s.beta));
    expect(falseClean / trials).toBeLessThanOrEqual(s.beta / (1 - s.alpha));
  });
});
