import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simulate } from "./engine.js";
import { parseScenario, ScenarioError } from "./scenario.js";

const dir = join(import.meta.dirname, "..", "scenarios");
const steady = readFileSync(join(dir, "steady-heterogeneous.json"), "utf8");
const withChange = (change: (s: any) => void) => {
  const s = JSON.parse(steady);
  change(s);
  return JSON.stringify(s);
};

describe("scenario files", () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith(".json")))("%s is valid and runs", (file) => {
    const scenario = parseScenario(readFileSync(join(dir, file), "utf8"), file);
    const result = simulate({
      ...scenario.config,
      durationMs: Math.min(scenario.config.durationMs, 10_000),
      warmupMs: 1_000,
    });
    expect(result.completed).toBeGreaterThan(0);
  });

  it("expands counts into replicas and lets the caller choose the seed", () => {
    const scenario = parseScenario(steady, "steady.json", 99);
    expect(scenario.config.replicas).toHaveLength(10);
    expect(scenario.config.seed).toBe(99);
  });

  it.each([
    ["a bad number", (s: any) => (s.replicas[1].slots = 0), "$.replicas[1].slots: must be >= 1"],
    ["an unknown field", (s: any) => (s.replicas[0].speeed = 2), "$.replicas[0]: unknown field 'speeed'"],
    ["a missing field", (s: any) => delete s.arrivals.rps, "$.arrivals: missing field 'rps'"],
    [
      "an unknown algorithm",
      (s: any) => (s.routing.algorithm = "FASTEST"),
      "$.routing.algorithm: must be equal to one of the allowed values",
    ],
    [
      "a weight for no replicas",
      (s: any) => (s.routing.weights.v3 = 10),
      "$.routing.weights.v3: no replica is in subset 'v3'",
    ],
    [
      "replicas without a weight",
      (s: any) => delete s.routing.weights.v2,
      "$.routing.weights: subset 'v2' has replicas but no weight",
    ],
    [
      "a warm-up longer than the run",
      (s: any) => (s.warmupMs = 200_000),
      "$.warmupMs: 200000 must be shorter than durationMs 180000",
    ],
    [
      "a negative retry count",
      (s: any) => (s.routing.retries = { attempts: -1, perTryTimeoutMs: 5 }),
      "$.routing.retries.attempts: must be >= 0",
    ],
    [
      "an inverted Pareto range",
      (s: any) => (s.replicas[0].serviceTime = { kind: "pareto", alpha: 1.5, minMs: 50, maxMs: 5 }),
      "$.replicas[0].serviceTime: minMs 50 must be below maxMs 5",
    ],
  ])("rejects %s with its JSON path and reason", (_what, change, message) => {
    const text = withChange(change as (s: any) => void);
    expect(() => parseScenario(text, "bad.json")).toThrow(ScenarioError);
    expect(() => parseScenario(text, "bad.json")).toThrow(message);
  });

  it("applies static heterogeneity from the seed", () => {
    const text = withChange((s) => (s.heterogeneity = { fraction: 0.5, minSpeed: 0.3, maxSpeed: 0.8 }));
    const speeds = parseScenario(text, "h.json", 7).config.replicas.map((r) => r.speed ?? 1);
    expect(
      speeds.filter((v, i) => v !== (parseScenario(steady, "s.json").config.replicas[i].speed ?? 1)),
    ).toHaveLength(5);
    expect(parseScenario(text, "h.json", 7)).toEqual(parseScenario(text, "h.json", 7));
  });

  it.each([
    [
      "both arrivals and clients",
      (s: any) => (s.clients = { users: 10, thinkMs: 100 }),
      "$: give exactly one of 'arrivals'",
    ],
    [
      "a fault on a missing replica",
      (s: any) => (s.faults = [{ kind: "crash", replica: 10, fromMs: 0, toMs: 5 }]),
      "$.faults[0].replica: 10 but there are only 10 replicas",
    ],
    [
      "a fault that ends before it starts",
      (s: any) => (s.faults = [{ kind: "brownout", replica: 1, factor: 5, fromMs: 9, toMs: 5 }]),
      "$.faults[0]: fromMs 9 must be before toMs 5",
    ],
  ])("rejects %s", (_what, change, message) => {
    expect(() => parseScenario(withChange(change as (s: any) => void), "bad.json")).toThrow(message);
  });

  it("rejects text that is not JSON", () => {
    expect(() => parseScenario("{ nope", "broken.json")).toThrow(
      "broken.json: invalid scenario\n  $: not JSON",
    );
  });

  it("reports a oneOf by the branch its kind picks, or the kinds there are, not every branch's failures", () => {
    const base = JSON.parse(steady);
    const withServiceTime = (serviceTime: object) =>
      JSON.stringify({ ...base, replicas: [{ ...base.replicas[0], serviceTime }] });
    const problems = (text: string) => {
      try {
        parseScenario(text, "x.json");
      } catch (e) {
        return (e as ScenarioError).problems;
      }
      return [];
    };
    expect(problems(withServiceTime({ kind: "exponential", meanMs: "ten" }))).toEqual([
      "$.replicas[0].serviceTime.meanMs: must be number",
    ]);
    expect(problems(withServiceTime({ kind: "exp", meanMs: 10 }))).toEqual([
      "$.replicas[0].serviceTime.kind: must be one of deterministic, exponential, lognormal, pareto",
    ]);
  });
});
