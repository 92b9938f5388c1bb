/**
 * rate() and histogram_quantile() as we compute them, against Debian's promtool evaluating the
 * same PromQL over the same samples: the simulator's counters from a real run, scraped every
 * 15 s, queried between scrapes with the controller's 60 s window.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "@jest/globals";
import { stringify } from "yaml";
import { steppedSimulation } from "../sim/engine.js";
import { brownoutFleet } from "../testbed/brownout-fleet.js";
import { ISTIO_DURATION_BUCKETS } from "./istio-buckets.js";
import { extrapolatedRate, histogramQuantile } from "./promql-math.js";

const SCRAPE_S = 15;

/** Counters of a real simulated run, scraped every 15 s from t = 0. */
function scrapedRun() {
  const sim = steppedSimulation(
    brownoutFleet(
      {
        seed: 11,
        replicas: 4,
        rps: 500,
        durationMs: 200_000,
        cv: 1.5,
        algorithm: "ROUND_ROBIN",
        brownout: { fromMs: 60_000, factor: 10 },
      },
      { scrapeIntervalMs: SCRAPE_S * 1000, scrapeOffsetMs: 0 },
    ),
  );
  sim.advanceTo(200_000);
  // One series for the version: the pods' counters summed, as a recording rule would store them.
  return sim.scrapes.map((s) => {
    const pods = Object.values(s.pods);
    return {
      atMs: s.atMs,
      counters: {
        requests: pods.reduce((n, p) => n + p.requests, 0),
        errors: pods.reduce((n, p) => n + p.errors, 0),
        buckets: pods[0].buckets.map((_, i) => pods.reduce((n, p) => n + p.buckets[i], 0)),
      },
    };
  });
}

describe("PromQL math", () => {
  test("histogram_quantile interpolates inside the bucket, starts the first at 0, and caps at the last finite bound", () => {
    const buckets = [
      { upperBound: 10, count: 50 },
      { upperBound: 100, count: 90 },
      { upperBound: Number.POSITIVE_INFINITY, count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBe(10);
    expect(histogramQuantile(0.2, buckets)).toBe(4);
    expect(histogramQuantile(0.7, buckets)).toBe(55);
    expect(histogramQuantile(0.99, buckets)).toBe(100);
    expect(
      histogramQuantile(
        0.5,
        buckets.map((b) => ({ ...b, count: 0 })),
      ),
    ).toBeUndefined();
    expect(histogramQuantile(0.5, buckets.slice(0, 2))).toBeUndefined();
  });

  test("rate needs two samples, corrects counter resets, and extrapolates to the range's ends", () => {
    expect(extrapolatedRate([{ atMs: 0, value: 5 }], 10_000, 60_000)).toBeUndefined();
    // Samples every 15 s filling the range exactly: plain increase over the range.
    const even = [0, 15, 30, 45, 60].map((t) => ({ atMs: t * 1000, value: 100 + t * 10 }));
    expect(extrapolatedRate(even, 60_000, 60_000)).toBeCloseTo(10, 9);
    const reset = [
      { atMs: 0, value: 100 },
      { atMs: 15_000, value: 250 },
      { atMs: 30_000, value: 50 },
    ];
    expect(extrapolatedRate(reset, 30_000, 30_000)).toBeCloseTo((250 - 100 + 50) / 30, 9);
  });

  test("agrees with Debian's promtool on a simulated run's counters", () => {
    const run = scrapedRun();
    const bounds = [...ISTIO_DURATION_BUCKETS.map(String), "+Inf"];
    const input_series = [
      { series: "istio_requests_total", values: run.map((s) => s.counters.requests).join(" ") },
      ...bounds.map((le, i) => ({
        series: `istio_request_duration_milliseconds_bucket{le="${le}"}`,
        values: run.map((s) => s.counters.buckets[i]).join(" "),
      })),
    ];
    const samples = (pick: (c: (typeof run)[number]["counters"]) => number) =>
      run.map((s) => ({ atMs: s.atMs, value: pick(s.counters) }));
    const tests = [];
    for (const atS of [67, 100, 152, 190]) {
      const atMs = atS * 1000;
      const rps = extrapolatedRate(
        samples((c) => c.requests),
        atMs,
        60_000,
      ) as number;
      const buckets = bounds.map((_, i) => ({
        upperBound: i < ISTIO_DURATION_BUCKETS.length ? ISTIO_DURATION_BUCKETS[i] : Number.POSITIVE_INFINITY,
        count: extrapolatedRate(
          samples((c) => c.buckets[i]),
          atMs,
          60_000,
        ) as number,
      }));
      const exprs: [string, number][] = [["rate(istio_requests_total[60s])", rps]];
      for (const q of [0.5, 0.95, 0.99])
        exprs.push([
          `histogram_quantile(${q}, sum by (le) (rate(istio_request_duration_milliseconds_bucket[60s])))`,
          histogramQuantile(q, buckets) as number,
        ]);
      for (const [expr, ours] of exprs)
        tests.push({
          eval_time: `${atS}s`,
          expr: `abs((${expr}) - ${ours.toPrecision(17)}) < bool 1e-9`,
          exp_samples: [{ labels: "{}", value: 1 }],
        });
    }
    const dir = mkdtempSync(join(tmpdir(), "meshpilot-promql-"));
    try {
      writeFileSync(join(dir, "rules.yml"), "groups: []\n");
      writeFileSync(
        join(dir, "test.yml"),
        stringify({
          rule_files: ["rules.yml"],
          evaluation_interval: "1s",
          tests: [{ interval: `${SCRAPE_S}s`, input_series, promql_expr_test: tests }],
        }),
      );
      const out = spawnSync("promtool", ["test", "rules", "test.yml"], { cwd: dir, encoding: "utf8" });
      expect(`${out.stdout}${out.stderr}`).toMatch(/SUCCESS/);
      expect(out.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
