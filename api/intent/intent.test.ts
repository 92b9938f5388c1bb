import { Ajv } from "ajv";
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition";
import { SHOP_SERVICES } from "../../config/shop.js";
import { structural, trafficIntentCrd } from "./crd.js";
import { defaultIntents } from "./defaults.js";
import { INTENT_SPEC_SCHEMA } from "./schema.js";
import { describeProblems, validateIntent } from "./validate.js";

const valid = () => ({
  target: {
    host: "catalog.meshpilot-shop.svc.cluster.local",
    virtualService: "catalog",
    destinationRule: "catalog",
  },
  objectives: { p99LatencyMs: 100, errorRate: 0.001 },
});

describe("TrafficIntent validation", () => {
  it("fills in the defaults the CRD declares: observe, q-learning, guardrails 5/10/60s, not paused", () => {
    const result = validateIntent(valid(), ["v1", "v2"]);
    expect(result).toEqual({
      valid: true,
      spec: {
        ...valid(),
        objectives: { p99LatencyMs: 100, errorRate: 0.001, costWeight: 0 },
        algorithm: "q-learning",
        mode: "observe",
        guardrails: { minWeight: 5, maxStep: 10, cooldownSeconds: 60, allowHedging: false },
        paused: false,
      },
    });
  });

  it("does not modify the object it reads", () => {
    const spec = valid();
    validateIntent(spec);
    expect(spec).toEqual(valid());
  });

  it.each([
    [
      "a mode that does not exist",
      { ...valid(), mode: "yolo" },
      "spec.mode: must be equal to one of the allowed values",
    ],
    [
      "no host",
      { ...valid(), target: { virtualService: "a", destinationRule: "a" } },
      "spec.target.host: is required",
    ],
    [
      "an unknown field",
      { ...valid(), weights: { v1: 50 } },
      "spec.weights: is not a field of TrafficIntent",
    ],
    [
      "a negative latency",
      { ...valid(), objectives: { p99LatencyMs: -1, errorRate: 0.1 } },
      "spec.objectives.p99LatencyMs: must be >= 1",
    ],
    [
      "an error budget above 1",
      { ...valid(), objectives: { p99LatencyMs: 100, errorRate: 5 } },
      "spec.objectives.errorRate: must be <= 1",
    ],
    [
      "a fractional step",
      { ...valid(), guardrails: { maxStep: 2.5 } },
      "spec.guardrails.maxStep: must be integer",
    ],
    [
      "hedging without the idempotency promise",
      { ...valid(), algorithm: "thompson-hedging" },
      "spec.guardrails.allowHedging: thompson-hedging sends hedged duplicates; set allowHedging: true, for idempotent routes only",
    ],
    [
      "a cost weight without costs",
      { ...valid(), objectives: { p99LatencyMs: 100, errorRate: 0.01, costWeight: 1 } },
      "spec.objectives.subsetCost: is required when costWeight > 0",
    ],
    [
      "a floor the subsets cannot all keep",
      { ...valid(), guardrails: { minWeight: 40 } },
      "spec.guardrails.minWeight: minWeight 40 for 3 subsets exceeds the total 100",
    ],
    [
      "a cost for a subset that does not exist",
      {
        ...valid(),
        objectives: { p99LatencyMs: 100, errorRate: 0.01, costWeight: 1, subsetCost: { v9: 2 } },
      },
      "spec.objectives.subsetCost.v9: names no subset of the DestinationRule (it has v1, v2, v3)",
    ],
    ["not an object", "catalog", "spec: must be object"],
  ])("reports %s with its JSON path and reason", (_what, spec, message) => {
    const result = validateIntent(spec, ["v1", "v2", "v3"]);
    expect(result.valid).toBe(false);
    if (!result.valid) expect(describeProblems(result.problems)).toBe(message);
  });

  it("acts on a one-subset destination (its levers are per replica), but not on one with no subset", () => {
    expect(validateIntent({ ...valid(), mode: "act" }, ["v1"]).valid).toBe(true);
    const none = validateIntent({ ...valid(), mode: "act" }, []);
    expect(none.valid).toBe(false);
    if (!none.valid)
      expect(none.problems.find((p) => p.path === "spec.algorithm")?.reason).toBe(
        "the DestinationRule has no subsets to route to; use hold, or add a subset",
      );
    expect(validateIntent({ ...valid(), mode: "act", algorithm: "hold" }, []).valid).toBe(true);
  });
});

describe("a rollout in the intent", () => {
  const rollout = (r: Record<string, unknown>) => validateIntent({ ...valid(), rollout: r }, ["v1", "v2"]);

  it("fills in its defaults: a budget of 100 percent-minutes, a 30-minute deadline, no gates", () => {
    const result = rollout({ stable: "v1", canary: "v2" });
    expect(result.valid && result.spec.rollout).toEqual({
      stable: "v1",
      canary: "v2",
      exposureBudgetPercentMinutes: 100,
      deadlineMinutes: 30,
      gates: [],
      approvedGates: [],
    });
  });

  it("names a subset the DestinationRule lacks, and the same subset twice", () => {
    expect(rollout({ stable: "v1", canary: "v3" })).toEqual({
      valid: false,
      problems: [
        { path: "spec.rollout.canary", reason: "names no subset of the DestinationRule (it has v1, v2)" },
      ],
    });
    const same = rollout({ stable: "v1", canary: "v1" });
    expect(same.valid === false && same.problems[0]).toMatchObject({
      path: "spec.rollout.canary",
      reason: expect.stringContaining("'v1', the stable subset too"),
    });
  });
});

describe("autoscaling in the intent", () => {
  const autoscaling = (a: Record<string, unknown>) =>
    validateIntent({ ...valid(), autoscaling: a }, ["v1", "v2"]);

  it("fills in its defaults: observe, Holt-Winters, p90, +4 a step, 2880 replica-minutes a day, ready in 150 s", () => {
    const result = autoscaling({ horizontalPodAutoscalers: { v1: "catalog-v1" } });
    expect(result.valid && result.spec.autoscaling).toEqual({
      horizontalPodAutoscalers: { v1: "catalog-v1" },
      mode: "observe",
      forecaster: "holt-winters",
      quantile: 0.9,
      maxStep: 4,
      budgetReplicaMinutesPerDay: 2880,
      readySeconds: 150,
    });
  });

  it("names each problem by its path: no HPA, an unknown forecaster, a subset the DestinationRule lacks", () => {
    const problems = (a: Record<string, unknown>) => {
      const r = autoscaling(a);
      return r.valid ? [] : describeProblems(r.problems);
    };
    expect(problems({ horizontalPodAutoscalers: {} })).toBe(
      "spec.autoscaling.horizontalPodAutoscalers: must NOT have fewer than 1 properties",
    );
    expect(problems({ horizontalPodAutoscalers: { v1: "a" }, forecaster: "prophet" })).toBe(
      "spec.autoscaling.forecaster: must be equal to one of the allowed values",
    );
    expect(problems({ horizontalPodAutoscalers: { v3: "catalog-v3" } })).toBe(
      "spec.autoscaling.horizontalPodAutoscalers.v3: names no subset of the DestinationRule (it has v1, v2)",
    );
  });
});

describe("the TrafficIntent CRD", () => {
  it("passes the upstream CustomResourceDefinition schema and is structural", () => {
    const crd = trafficIntentCrd();
    expect(() => new CustomResourceDefinition(crd as never).validate()).not.toThrow();
    expect(JSON.stringify(crd)).not.toContain('"additionalProperties":false');
    expect(crd.spec.versions[0].subresources).toEqual({ status: {} });
  });

  it("ships the schema the controller validates with, so both accept and refuse the same specs", () => {
    const served = trafficIntentCrd().spec.versions[0].schema.openAPIV3Schema.properties.spec;
    expect(served).toEqual(structural(INTENT_SPEC_SCHEMA));
    const server = new Ajv({ strict: false, useDefaults: true }).compile(served as object);
    for (const intent of defaultIntents(SHOP_SERVICES, "meshpilot-shop")) {
      expect(server(structuredClone(intent.spec))).toBe(true);
      expect(validateIntent(intent.spec).valid).toBe(true);
    }
    const bad = { ...valid(), mode: "yolo" };
    expect(server(structuredClone(bad))).toBe(false);
    expect(validateIntent(bad).valid).toBe(false);
  });
});

describe("default intents", () => {
  it("give every shop service an intent in observe mode with its SLO; one-version services hold", () => {
    const intents = defaultIntents(SHOP_SERVICES, "meshpilot-shop");
    expect(intents.map((i) => i.metadata.name)).toEqual(SHOP_SERVICES.map((s) => s.name));
    for (const [i, s] of intents.map((x, n) => [x, SHOP_SERVICES[n]] as const)) {
      expect(i.spec.mode).toBe("observe");
      expect(i.spec.objectives).toEqual(
        expect.objectContaining({ p99LatencyMs: s.slo.p99LatencyMs, errorRate: s.slo.errorRate }),
      );
      expect(i.spec.algorithm === "hold").toBe(s.versions.length < 2);
      expect(i.spec.guardrails?.allowHedging).toBe(s.idempotent === true);
      expect(
        validateIntent(
          i.spec,
          s.versions.map((v) => v.name),
        ).valid,
      ).toBe(true);
    }
  });
});
