import { describe, expect, test } from "@jest/globals";
import { ISTIO_DURATION_BUCKETS } from "../metrics/istio-buckets.js";
import { replicaState } from "./replica.js";
import { ScrapeRecorder } from "./scrapes.js";

const spec = { subset: "v1", slots: 2, serviceTime: { kind: "deterministic", ms: 10 } } as const;

describe("the simulator's Prometheus counters", () => {
  test("a try lands in the first bucket whose bound it does not exceed; buckets are cumulative", () => {
    const recorder = new ScrapeRecorder(1);
    recorder.recordTry(0, 10, false); // on the 10 ms bound: le="10"
    recorder.recordTry(0, 10.5, true); // le="25"
    recorder.recordTry(0, 5_000_000, false); // beyond every bound: +Inf only
    recorder.scrape(1000, [replicaState(spec, 0, 0, 1)]);
    const c = recorder.scrapes[0].pods["v1-0"];
    const at = (le: number) => c.buckets[ISTIO_DURATION_BUCKETS.indexOf(le)];
    expect([at(5), at(10), at(25), at(3_600_000)]).toEqual([0, 1, 2, 2]);
    expect(c.buckets.at(-1)).toBe(3);
    expect(c).toMatchObject({ subset: "v1", requests: 3, errors: 1, slots: 2 });
  });

  test("each pod has its own series, under the pod's name", () => {
    const recorder = new ScrapeRecorder(2);
    recorder.recordTry(1, 300, true);
    recorder.recordTry(1, 400, false);
    recorder.scrape(
      1000,
      [0, 1].map((i) => replicaState(spec, i, i, 1)),
    );
    const { pods, atMs } = recorder.scrapes[0];
    expect(atMs).toBe(1000);
    expect(Object.keys(pods)).toEqual(["v1-0", "v1-1"]);
    expect(pods["v1-0"]).toMatchObject({ requests: 0, errors: 0 });
    expect(pods["v1-1"]).toMatchObject({ requests: 2, errors: 1 });
  });
});
