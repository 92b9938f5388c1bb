/**
 * Rollouts through the whole controller: the real @kubernetes/client-node against the API double,
 * the intent's spec.rollout validated and run by the control step, the routing written to the
 * VirtualService, and the rollout's phase, weight and evidence in status. Telemetry is scripted:
 * each subset's request rate follows the weights in force, as Istio's would.
 */
import { afterEach, describe, expect, jest, test } from "@jest/globals";
import { APP, type Harness, NS, optimizerHarness } from "../testbed/optimizer-harness.js";
import { ScriptedTelemetry, type SubsetScript } from "../testbed/scripted-telemetry.js";

jest.setTimeout(30_000);

const INTERVAL_MS = 15_000;
const IMAGE = "registry.example/catalog@sha256:4f0c";
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A rollout of v2 over v1, with the canary's figures from `canary` and 300 requests per second in all. */
async function rollout(
  canary: Omit<SubsetScript, "rps"> & { rps?: (weight: number) => number },
  more: Record<string, unknown> = {},
) {
  let clock = Date.parse("2026-03-01T00:00:00Z");
  const telemetry = new ScriptedTelemetry(() => {
    const w = (h as Harness).weights();
    return {
      v1: { p99Ms: 100, errorRatio: 0, rps: (300 * (w.v1 ?? 0)) / 100 },
      v2: { ...canary, rps: canary.rps ? canary.rps(w.v2 ?? 0) : (300 * (w.v2 ?? 0)) / 100 },
    };
  });
  h = await optimizerHarness(
    telemetry,
    {
      objectives: { p99LatencyMs: 200, errorRate: 0.001 },
      rollout: { stable: "v1", canary: "v2", canaryImage: IMAGE, ...more },
    },
    { now: () => clock, intervalMs: INTERVAL_MS },
    undefined,
    { v1: 100, v2: 0 },
  );
  const harness = h;
  return {
    harness,
    async intervals(n: number) {
      for (let i = 0; i < n; i++) {
        clock += INTERVAL_MS;
        await harness.step();
      }
    },
    rollout: () => harness.intent().status?.rollout,
  };
}

describe("a rollout in the cluster", () => {
  test("a good canary is promoted: 100% on v2, and status names the image to pin in Git", async () => {
    const r = await rollout({ p99Ms: 100, errorRatio: 0 });
    await r.intervals(2);
    expect(r.harness.weights()).toEqual({ v1: 90, v2: 10 });
    expect(r.rollout()).toMatchObject({ phase: "Progressing", canaryWeight: 10 });
    await r.intervals(20);
    expect(r.harness.weights()).toEqual({ v1: 0, v2: 100 });
    expect(r.rollout()).toMatchObject({
      phase: "Promoted",
      canaryWeight: 100,
      gitChange: { subset: "v1", image: IMAGE },
    });
    expect(r.rollout()?.evidence.length).toBeGreaterThan(2);
    expect(r.harness.events("RoutingChanged").length).toBeGreaterThanOrEqual(3);
  });

  test("a release that names a new canary image starts a new rollout, from 10% again", async () => {
    const r = await rollout({ p99Ms: 100, errorRatio: 0 });
    await r.intervals(22);
    expect(r.rollout()).toMatchObject({ phase: "Promoted", canaryWeight: 100 });
    // The pipeline pinned the promoted image for v1; the next release gives v2 a newer one.
    const intent = r.harness.intent() as { spec: { rollout: object } } & Record<string, unknown>;
    const next = "registry.example/catalog@sha256:9d1e";
    r.harness.api.put({
      ...intent,
      spec: { ...intent.spec, rollout: { ...intent.spec.rollout, canaryImage: next } },
    });
    await r.harness.settled();
    await r.intervals(2);
    expect(r.rollout()).toMatchObject({ phase: "Progressing", canaryWeight: 10 });
    expect(r.harness.weights()).toEqual({ v1: 90, v2: 10 });
  });

  test("a canary that fails requests is aborted: all traffic back on v1, with the figures in status", async () => {
    const r = await rollout({ p99Ms: 100, errorRatio: 0.05 });
    await r.intervals(6);
    expect(r.harness.weights()).toEqual({ v1: 100, v2: 0 });
    expect(r.rollout()).toMatchObject({ phase: "Aborted", canaryWeight: 0 });
    expect(r.rollout()?.reason).toMatch(/v2 fails more requests than v1: 5\.00% vs 0\.00%/);
    expect(r.rollout()?.gitChange).toBeUndefined();
  });

  test("inconclusive evidence holds the canary where it is, and the deadline hands it to a person", async () => {
    // Too little canary traffic to judge: 0.5 requests per second, 15 in a window.
    const r = await rollout({ p99Ms: 100, errorRatio: 0, rps: () => 0.5 }, { deadlineMinutes: 2 });
    await r.intervals(4);
    expect(r.rollout()?.reason).toContain("too few v2 requests to judge");
    await r.intervals(6);
    expect(r.rollout()).toMatchObject({ phase: "Inconclusive", canaryWeight: 10 });
    expect(r.harness.weights()).toEqual({ v1: 90, v2: 10 });
    await r.intervals(3);
    expect(r.harness.weights()).toEqual({ v1: 90, v2: 10 });
  });

  test("deleting the intent mid-rollout gives Git's routing back: all traffic on v1", async () => {
    const r = await rollout({ p99Ms: 100, errorRatio: 0 });
    await r.intervals(6);
    expect(r.harness.weights().v2).toBeGreaterThan(0);
    r.harness.api.remove("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", NS, APP);
    await r.harness.settled();
    await r.intervals(1);
    expect(r.harness.weights()).toEqual({ v1: 100, v2: 0 });
  });

  test("a rollout naming a subset that does not exist, or an impossible budget, is Invalid and changes nothing", async () => {
    for (const more of [{ canary: "v3" }, { exposureBudgetPercentMinutes: 0.2 }]) {
      const r = await rollout({ p99Ms: 100, errorRatio: 0 }, more);
      await r.intervals(3);
      const invalid = r.harness.intent().status?.conditions.find((c) => c.type === "Invalid");
      expect(invalid).toMatchObject({ status: "True", reason: "InvalidSpec" });
      expect(invalid?.message).toMatch(
        "canary" in more
          ? /spec\.rollout\.canary: names no subset/
          : /exposureBudgetPercentMinutes 0.2 cannot afford/,
      );
      expect(r.harness.weights()).toEqual({ v1: 100, v2: 0 });
      expect(r.harness.api.writes().filter((w) => w.path.includes("/virtualservices/"))).toEqual([]);
      await r.harness.close();
      h = undefined;
    }
  });
});
