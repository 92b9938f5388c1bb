import { scalerSettingsFor } from "./autoscaling-run.js";
import { autoscalingProfile } from "./profile.js";
import { applyPolicy, parseScalingPolicy, ScalingPolicyError } from "./scaling-policy.js";

const defaults = scalerSettingsFor(autoscalingProfile(), 60_000);

describe("a scaling policy", () => {
  test("sets the scaler's guardrails and forecaster over the defaults", () => {
    const policy = parseScalingPolicy(
      JSON.stringify({
        forecaster: "lstm",
        mode: "observe",
        maxStep: 2,
        budgetReplicaMinutesPerDay: 120,
        spikeFilterSeconds: 90,
      }),
      "policy.json",
    );
    expect(applyPolicy(defaults, policy)).toEqual({
      ...defaults,
      mode: "observe",
      maxStep: 2,
      budgetReplicaMinutesPerDay: 120,
      spikeFilterMs: 90_000,
    });
    expect(applyPolicy(defaults, {})).toEqual(defaults);
  });

  test("a malformed one is refused whole, each problem with its path and reason", () => {
    const bad = { forecaster: "prophet", maxStep: 0, quantile: 2, budget: 10 };
    let error: unknown;
    try {
      parseScalingPolicy(JSON.stringify(bad), "policy.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScalingPolicyError);
    expect((error as ScalingPolicyError).problems).toEqual([
      "$: 'budget' is not a field here",
      "$.forecaster: must be one of seasonal-naive, holt-winters, lstm",
      "$.quantile: must be <= 0.99",
      "$.maxStep: must be >= 1",
    ]);
    expect(() => parseScalingPolicy("{", "policy.json")).toThrow(
      "policy.json: invalid scaling policy\n  $: not JSON",
    );
    expect(() => parseScalingPolicy('{"minReplicas": 5, "maxReplicas": 3}', "p.json")).toThrow(
      "$.minReplicas: 5 is above maxReplicas 3",
    );
    expect(() => applyPolicy(defaults, { minReplicas: defaults.maxReplicas + 1 })).toThrow(
      `$.minReplicas: min ${defaults.maxReplicas + 1} would be above max ${defaults.maxReplicas}`,
    );
  });
});
