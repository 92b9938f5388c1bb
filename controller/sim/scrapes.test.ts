import { describe, expect, test } from "@jest/globals";
import { ISTIO_DURATION_BUCKETS } from "../metrics/istio-buckets.js";
import { ScrapeRecorder } from "./scrapes.js";

describe("the simulator's Prometheus counters", () => {
  test("a try lands in the first bucket whose bound it does not exceed; buckets are cumulative", () => {
    const recorder = new ScrapeRecorder(["v1"]);
    recorder.recordTry(0, 10, false); // on the 10 ms bound: le="10"
    recorder.recordTry(0, 10.5, true); // le="25"
    recorder.recordTry(0, 5_000_000, false); // beyond every bound: +Inf only
    recorder.scrape(1000, []);
    const c = recorder.scrapes[0].subsets.v1;
    const at = (le: number) => c.buckets[ISTIO_DURATION_BUCKETS.indexOf(le)];
    expect([at(5), at(10), at(25), at(3_600_000)]).toEqual([0, 1, 2, 2]);
    expect(c.buckets.at(-1)).toBe(3);
    expect(c).toMatchObject({ requests: 3, errors: 1, replicas: 0, slots: 0 });
  });
});
