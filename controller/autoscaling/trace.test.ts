import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseTrace, type TraceError, traceFromCsv } from "./trace.js";

const dir = join(import.meta.dirname, "..", "scenarios", "traces");
const load = (name: string) => parseTrace(readFileSync(join(dir, `${name}.json`), "utf8"), name);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("workload traces", () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith(".json")))(
    "%s is valid and reproducible from its seed",
    (file) => {
      const text = readFileSync(join(dir, file), "utf8");
      const a = parseTrace(text, file);
      expect(a.rps.length).toBeGreaterThan(a.seasonSteps);
      expect(a.rps.every((r) => Number.isFinite(r) && r > 0)).toBe(true);
      expect(parseTrace(text, file).rps).toEqual(a.rps);
    },
  );

  it("shapes each trace as its file says", () => {
    const sale = load("flash-sale");
    const at = 2 * 1440 + 12 * 60;
    expect(mean(sale.rps.slice(at + 10, at + 60)) / mean(sale.rps.slice(at - 60, at - 10))).toBeGreaterThan(
      3,
    );
    const spikes = load("transient-spikes");
    const s = 1440 + 3 * 60;
    expect(spikes.rps[s] / spikes.rps[s - 2]).toBeGreaterThan(2);
    expect(spikes.rps[s + 3] / spikes.rps[s - 2]).toBeLessThan(1.5);
    const trend = load("slow-trend");
    const day = (d: number) => mean(trend.rps.slice(d * 1440, (d + 1) * 1440));
    expect(day(9) / day(0)).toBeCloseTo(1.05 ** 9, 1);
  });

  it("rejects a malformed trace with the path and the reason of each problem", () => {
    const bad = {
      name: "x",
      description: "",
      seed: 1,
      stepSeconds: 60,
      days: 1,
      baseRps: 10,
      components: [
        { kind: "ramp", atStep: 5000, rampSteps: 0, holdSteps: 1, factor: 2 },
        { kind: "tide" },
        { kind: "noise", cv: 0.1, color: "pink" },
      ],
    };
    let error: TraceError | undefined;
    try {
      parseTrace(JSON.stringify(bad), "bad.json");
    } catch (e) {
      error = e as TraceError;
    }
    expect(error?.problems).toEqual(
      expect.arrayContaining([
        "$.components[0].rampSteps: must be >= 1",
        "$.components[1].kind: must be one of daily, weekly, trend, ramp, spike, noise",
        "$.components[2]: 'color' is not a field here",
      ]),
    );
    const late = {
      ...bad,
      components: [{ kind: "ramp", atStep: 5000, rampSteps: 1, holdSteps: 1, factor: 2 }],
    };
    expect(() => parseTrace(JSON.stringify(late), "late.json")).toThrow(
      "$.components[0].atStep: 5000 is past the trace's last step 1439",
    );
    expect(() => parseTrace("{", "x.json")).toThrow(/x\.json: invalid trace\n {2}\$: not JSON/);
  });
});

describe("replaying a CSV", () => {
  it("reads unix or ISO timestamps under a header, averages within a step and carries the last value over gaps", () => {
    const csv = [
      "timestamp,value",
      "1700000000,10",
      "1700000030,20",
      "2023-11-14T22:14:20Z,30",
      "1700000240,50",
    ].join("\n");
    const t = traceFromCsv(csv, "export.csv", 60);
    // Steps from 1700000000: [0,60) has 10 and 20; [60,120) has 30 (22:14:20Z is 1700000060); gaps carry 30; [240,300) has 50.
    expect(t.rps).toEqual([15, 30, 30, 30, 50]);
    expect(t.seasonSteps).toBe(1440);
  });

  it("names the line of each bad row, and refuses timestamps that go backwards", () => {
    expect(() => traceFromCsv("1,5\n2,-1\n3,x\n", "a.csv", 60)).toThrow(
      /line 2: .*"2,-1"[\s\S]*line 3: .*"3,x"/,
    );
    expect(() => traceFromCsv("10,1\n5,2\n", "b.csv", 60)).toThrow("timestamps must increase: 5 follows 10");
    expect(() => traceFromCsv("10,1\n", "c.csv", 60)).toThrow("fewer than two samples");
  });
});
