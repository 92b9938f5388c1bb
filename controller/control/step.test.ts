/**
 * The control step on its own (each safety rule, pure), and the proof that every runner calls
 * it: a rule only the step knows, the hedging load cap, changes a simulator run and a reconciler
 * run alike.
 */
import { afterEach, describe, expect, jest, test } from "@jest/globals";
import { DEFAULT_GUARDRAILS } from "../../api/guardrail-limits.js";
import { Random } from "../../common/random.js";
import type { Observation } from "../metrics/observation.js";
import { createPolicy } from "../policy/registry.js";
import { simulateControl } from "../sim/control-loop.js";
import { brownoutFleet } from "../testbed/brownout-fleet.js";
import { type Harness, optimizerHarness } from "../testbed/optimizer-harness.js";
import { ScriptedTelemetry } from "../testbed/scripted-telemetry.js";
import { DEFAULT_SAFETY } from "./safety.js";
import { controlStep, type StepMemory, type StepSettings } from "./step.js";

jest.setTimeout(60_000);

const objectives = { p99LatencyMs: 100, errorRate: 0.001 };
const settings: StepSettings = {
  mode: "act",
  paused: false,
  objectives,
  guardrails: DEFAULT_GUARDRAILS,
  hedgingAllowed: true,
  safety: DEFAULT_SAFETY,
};
const live = { algorithm: "LEAST_REQUEST" as const, weights: { v1: 50, v2: 50 } };
const subset = (p99Ms: number, cpuUtilization = 0.4) => ({
  rps: 100,
  errorRatio: 0,
  p50Ms: p99Ms / 4,
  p95Ms: p99Ms / 1.5,
  p99Ms,
  cpuUtilization,
  replicas: 2,
});
const slowV2 = (cpu = 0.4): Observation => ({
  atMs: 100_000,
  windowMs: 20_000,
  subsets: { v1: subset(50, cpu), v2: subset(400, cpu) },
  replicas: {},
  stale: false,
});
const policy = createPolicy("thompson-k2");
const fresh = (): StepMemory => ({ policyState: policy.initialState(["v1", "v2"]), stale: 0 });
const step = (memory: StepMemory, observation: Observation, s: Partial<StepSettings> = {}, canWrite = true) =>
  controlStep(policy, { ...settings, ...s }, memory, {
    observation,
    live,
    nowMs: 100_000,
    random: new Random(1),
    canWrite,
  });

describe("the control step", () => {
  test("acts within the guardrails and says what the write leaves behind", () => {
    const r = step(fresh(), slowV2());
    expect(r.kind).toBe("change");
    expect(r.action).toMatchObject({ kind: "apply", to: { weights: { v1: 60, v2: 40 } }, maxStep: 10 });
    expect(r.next.applied).toMatchObject({ written: r.proposed, lastChangeMs: 100_000 });
    expect(r.next.applied.probation?.gainers).toEqual(["v1"]);
    expect(r.next.failed.written).toBeUndefined();
    expect(r.explanation).toMatch(/Weights v1=60 v2=40\./);
  });

  test("observe and recommend never act, and a follower never acts", () => {
    expect(step(fresh(), slowV2(), { mode: "observe" })).toMatchObject({
      kind: "observe",
      action: { kind: "none" },
    });
    const rec = step(fresh(), slowV2(), { mode: "recommend" });
    expect(rec).toMatchObject({ kind: "recommend", action: { kind: "none" } });
    expect(rec.proposed?.weights).toEqual({ v1: 60, v2: 40 });
    expect(step(fresh(), slowV2(), {}, false)).toMatchObject({ kind: "hold", action: { kind: "none" } });
  });

  test("the kill switch restores what Meshpilot wrote; pause leaves manual weights alone", () => {
    const owned = { ...fresh(), written: { ...live, weights: { v1: 70, v2: 30 } } };
    const off = step(owned, slowV2(), { mode: "observe" });
    expect(off.action).toEqual({ kind: "restore", cause: "kill-switch" });
    expect(off.next.applied.written).toBeUndefined();
    expect(off.next.failed.written).toBeDefined();
    expect(step(owned, slowV2(), { mode: "observe" }, false).next.applied.written).toBeDefined();
    expect(step(owned, slowV2(), { paused: true })).toMatchObject({
      kind: "paused",
      action: { kind: "none" },
    });
  });

  test("stale or partial telemetry holds, and past the limit gives Git's routing back", () => {
    const stale: Observation = { ...slowV2(), subsets: {}, stale: true };
    const owned = { ...fresh(), written: live };
    const first = step(owned, stale);
    expect(first).toMatchObject({ kind: "stale", action: { kind: "none" } });
    const partial = step(owned, { ...slowV2(), subsets: { v1: subset(50) } });
    expect(partial.explanation).toMatch(/partial: no figures for v2/);
    const third = step({ ...owned, stale: 2 }, stale);
    expect(third.action).toEqual({ kind: "restore", cause: "stale-telemetry" });
  });

  test("a change that made the subsets that gained traffic worse is rolled back", () => {
    let memory = fresh();
    const first = step(memory, slowV2());
    memory = first.next.applied;
    const worse: Observation = { ...slowV2(), subsets: { v1: subset(400), v2: subset(90) } };
    for (let i = 0; i < 2; i++) memory = step(memory, worse).next.applied;
    const verdict = step(memory, worse);
    expect(verdict.kind).toBe("rollback");
    expect(verdict.action).toMatchObject({ kind: "apply", to: live, maxStep: 100 });
  });

  test("the hedging cap takes hedging out when CPU is at the cap, or the route may not be hedged", () => {
    expect(step(fresh(), slowV2(0.4)).proposed?.retries?.hedge).toBe(true);
    const hot = step(fresh(), slowV2(0.9));
    expect(hot.proposed?.retries).toBeUndefined();
    expect(hot.safety.join(" ")).toMatch(/Hedging removed: CPU at 90%/);
    expect(step(fresh(), slowV2(), { hedgingAllowed: false }).proposed?.retries).toBeUndefined();
  });
  test("hedging over the extra-load cap is switched off, and held off through the cooldown", () => {
    const hedging = { ...live, retries: { attempts: 1, perTryTimeoutMs: 80, hedge: true } };
    const costly = { ...slowV2(), extraLoad: 0.09 };
    const off = controlStep(policy, settings, fresh(), {
      observation: costly,
      live: hedging,
      nowMs: 100_000,
      random: new Random(1),
      canWrite: true,
    });
    expect(off.proposed?.retries).toBeUndefined();
    expect(off.safety.join(" ")).toMatch(/adds 9.0% load, over the 5% cap/);
    expect(off.next.applied.hedgeHeldUntilMs).toBe(160_000);
    const later = controlStep(policy, settings, off.next.applied, {
      observation: { ...slowV2(), extraLoad: 0 },
      live,
      nowMs: 130_000,
      random: new Random(2),
      canWrite: true,
    });
    expect(later.proposed?.retries).toBeUndefined();
    expect(later.safety.join(" ")).toMatch(/held off for 30 s more/);
  });

  test("an override caps a subset at once, through the cooldown and past the step limit, in act mode only", () => {
    const overrides = [{ kind: "cap-subset", subset: "v1", maxWeight: 0, by: "AIOpsPolicy/shop" } as const];
    // The policy would move weight to v1 (v2 is slow); the override sends it all to v2 instead, in
    // one write, though a change 10 s ago holds the policy's own moves.
    const cooling = { ...fresh(), lastChangeMs: 90_000 };
    const r = step(cooling, slowV2(), { overrides });
    expect(r.kind).toBe("change");
    expect(r.action).toMatchObject({ kind: "apply", to: { weights: { v1: 0, v2: 100 } }, maxStep: 100 });
    expect(r.safety.join(" ")).toMatch(/override by AIOpsPolicy\/shop: v1 capped at 0%/);
    expect(step(cooling, slowV2(), { overrides, mode: "observe" }).action).toEqual({ kind: "none" });
    // A later write under the cap (here, hedging) keeps the cap and the lowered floor with it, or
    // the actuator's last check would refuse v1 at 0%.
    const underCap = controlStep(policy, { ...settings, overrides }, fresh(), {
      observation: slowV2(),
      live: { ...live, weights: { v1: 0, v2: 100 } },
      nowMs: 100_000,
      random: new Random(1),
      canWrite: true,
    });
    expect(underCap.action).toMatchObject({
      kind: "apply",
      to: { weights: { v1: 0, v2: 100 } },
      minWeight: 0,
    });
    // A rollback goes back to the last good routing with the override still enforced.
    let memory = step(fresh(), slowV2()).next.applied;
    const worse: Observation = { ...slowV2(), subsets: { v1: subset(400), v2: subset(90) } };
    for (let i = 0; i < 2; i++) memory = step(memory, worse).next.applied;
    const back = step(memory, worse, { overrides: [{ ...overrides[0], subset: "v2" }] });
    expect(back.kind).toBe("rollback");
    expect(back.action).toMatchObject({ kind: "apply", to: { weights: { v1: 100, v2: 0 } } });
  });
});

describe("every runner calls the same step", () => {
  const brownout = brownoutFleet(
    { seed: 3, replicas: 6, rps: 700, durationMs: 120_000, brownout: { fromMs: 20_000, factor: 10 } },
    { warmupMs: 10_000, controlIntervalMs: 10_000, clientTimeoutMs: 2000 },
  );
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  test("the hedging cap, known only to the step, changes a simulator run", async () => {
    const run = (maxHedgeUtilization: number) =>
      simulateControl(brownout, createPolicy("thompson-k2"), {
        objectives,
        guardrails: DEFAULT_GUARDRAILS,
        hedgingAllowed: true,
        // No lane probes either: mirrored requests are extra load too, but not hedging's.
        safety: {
          ...DEFAULT_SAFETY,
          maxHedgeUtilization,
          lanes: { ...DEFAULT_SAFETY.lanes, maxProbePercent: 0 },
        },
      });
    const capped = await run(0);
    const open = await run(1);
    expect(open.result.extraLoad).toBeGreaterThan(0);
    expect(capped.result.extraLoad).toBe(0);
    expect(capped.decisions.some((d) => d.safety.some((n) => /Hedging removed: CPU/.test(n)))).toBe(true);
  });

  test("the hedging cap, known only to the step, changes a reconciler run", async () => {
    const hedgeFilters = async (maxHedgeUtilization: number) => {
      h = await optimizerHarness(
        new ScriptedTelemetry(() => ({ v1: { p99Ms: 50 }, v2: { p99Ms: 400 } })),
        {},
        { maxHedgeUtilization },
      );
      for (let i = 0; i < 3; i++) await h.step();
      const filters = h.api
        .list("networking.istio.io/v1alpha3", "EnvoyFilter")
        .filter((f) => f.metadata.name.startsWith("meshpilot-hedge-")).length;
      await h.close();
      h = undefined;
      return filters;
    };
    expect(await hedgeFilters(1)).toBe(1);
    expect(await hedgeFilters(0)).toBe(0);
  });
});
