import { podSeverities } from "./pod-outliers.js";

describe("podSeverities", () => {
  it("singles out the one pod failing while its peers are fine, at 1 on the threshold", () => {
    const s = podSeverities([
      { pod: "a", rps: 10, errorRatio: 0.01, p99Ms: 40 },
      { pod: "b", rps: 10, errorRatio: 0.01, p99Ms: 42 },
      { pod: "c", rps: 10, errorRatio: 0.21, p99Ms: 41 },
    ]);
    // 0.21 is 0.20 above the peers' 0.01; the margin is 0.05: four thresholds out.
    expect(s.get("c")).toBeCloseTo(4, 6);
    expect(s.get("a")).toBeLessThan(1);
    expect(s.get("b")).toBeLessThan(1);
  });

  it("singles out a slow pod by its p99 against three times its peers'", () => {
    const s = podSeverities([
      { pod: "a", rps: 5, p99Ms: 50 },
      { pod: "b", rps: 5, p99Ms: 50 },
      { pod: "c", rps: 5, p99Ms: 600 },
    ]);
    expect(s.get("c")).toBeCloseTo(600 / 150, 6);
    expect(s.get("a")).toBeCloseTo(50 / (3 * 325), 6);
  });

  it("finds no outlier where the whole service is in trouble alike", () => {
    const s = podSeverities([
      { pod: "a", rps: 5, errorRatio: 0.3, p99Ms: 900 },
      { pod: "b", rps: 5, errorRatio: 0.31, p99Ms: 950 },
    ]);
    expect(Math.max(...s.values())).toBeLessThan(1);
  });

  it("does not judge a pod with too little traffic, nor a service with one judged pod", () => {
    expect(podSeverities([{ pod: "a", rps: 5, errorRatio: 0.5 }]).size).toBe(0);
    const s = podSeverities([
      { pod: "a", rps: 5, errorRatio: 0 },
      { pod: "b", rps: 0.1, errorRatio: 1 },
    ]);
    expect(s.size).toBe(0);
  });
});
