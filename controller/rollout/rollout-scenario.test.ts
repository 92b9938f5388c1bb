import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseRolloutScenario } from "./rollout-scenario.js";

const dir = join(import.meta.dirname, "..", "scenarios", "rollouts");

describe("rollout scenarios", () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith(".json")))("%s is valid", (file) => {
    const s = parseRolloutScenario(readFileSync(join(dir, file), "utf8"), file);
    expect(s.name).toBe(file.replace(/\.json$/, ""));
    expect(s.simulation.config.routing.weights).toEqual({ [s.rollout.stable]: 100, [s.rollout.canary]: 0 });
  });

  it("names the path of what is wrong", () => {
    const good = JSON.parse(readFileSync(join(dir, "good-canary.json"), "utf8"));
    expect(() => parseRolloutScenario(JSON.stringify({ ...good, expect: "maybe" }), "x.json")).toThrow(
      /x\.json: invalid scenario\n {2}\$\.expect: must be one of promote, abort/,
    );
    expect(() =>
      parseRolloutScenario(JSON.stringify({ ...good, rollout: { ...good.rollout, canary: "v9" } }), "x.json"),
    ).toThrow("$.rollout: no replicas of subset v9 in $.simulation");
    expect(() =>
      parseRolloutScenario(
        JSON.stringify({ ...good, simulation: { ...good.simulation, durationMs: -1 } }),
        "x.json",
      ),
    ).toThrow(/x\.json \$\.simulation: invalid scenario/);
  });
});
