import { describe, expect, test } from "@jest/globals";
import type { ResolvedIntentSpec } from "../../api/intent/schema.js";
import { validateIntent } from "../../api/intent/validate.js";
import { DEFAULT_SAFETY } from "../control/safety.js";
import type { StepResult } from "../control/step.js";
import type { Observation } from "../metrics/observation.js";
import { eventFor, stepSettings } from "./step-io.js";

const live = { algorithm: "LEAST_REQUEST" as const, weights: { v1: 50, v2: 50 } };
const observation: Observation = { atMs: 0, windowMs: 1, subsets: {}, replicas: {}, stale: false };
const objectives = { p99LatencyMs: 100, errorRate: 0.001 };
const step = (over: Partial<StepResult>): StepResult => ({
  kind: "change",
  action: { kind: "none" },
  explanation: "",
  safety: [],
  next: { applied: { policyState: undefined, stale: 0 }, failed: { policyState: undefined, stale: 0 } },
  ...over,
});

describe("around the step", () => {
  test("an intent's guardrails become the step's limits in milliseconds and percent", () => {
    const check = validateIntent({
      target: { host: "h", virtualService: "v", destinationRule: "d" },
      objectives,
      algorithm: "q-learning",
      mode: "act",
      guardrails: { cooldownSeconds: 30 },
    });
    const spec = (check as { spec: ResolvedIntentSpec }).spec;
    const s = stepSettings(spec, DEFAULT_SAFETY);
    expect(s.guardrails).toEqual({ minWeight: 5, maxStep: 10, cooldownMs: 30_000, total: 100 });
    expect(s).toMatchObject({ mode: "act", paused: false, hedgingAllowed: false });
  });

  test("each acting step earns its Event, and a failed write its Warning", () => {
    const to = { ...live, weights: { v1: 60, v2: 40 } };
    const apply = step({ action: { kind: "apply", to, maxStep: 10 } });
    expect(eventFor(apply, { ok: true, writes: 1 }, live, observation, objectives)).toMatchObject({
      reason: "RoutingChanged",
      message: expect.stringMatching(/^moved 10% from v2 to v1/),
    });
    expect(
      eventFor(apply, { ok: false, error: "x", writes: 0, restored: true }, live, observation, objectives),
    ).toEqual({
      reason: "WriteFailed",
      type: "Warning",
    });
    const rollback = step({ kind: "rollback", action: { kind: "apply", to: live, maxStep: 100 } });
    expect(eventFor(rollback, { ok: true, writes: 1 }, live, observation, objectives)?.reason).toBe(
      "RolledBack",
    );
    const kill = step({ kind: "restore", action: { kind: "restore", cause: "kill-switch" } });
    expect(eventFor(kill, { ok: true, writes: 1 }, live, observation, objectives)?.reason).toBe(
      "RoutingRestored",
    );
    const stale = step({ kind: "restore", action: { kind: "restore", cause: "stale-telemetry" } });
    expect(eventFor(stale, { ok: true, writes: 1 }, live, observation, objectives)?.reason).toBe(
      "TelemetryStale",
    );
    expect(eventFor(step({ kind: "hold" }), undefined, live, observation, objectives)).toBeUndefined();
  });
});
