/**
 * A rollout scenario: a simulated destination with a stable and a canary subset, the rollout's
 * settings, and what a correct rollout does with this canary (promote it or abort it). The
 * simulation part is an ordinary scenario (controller/sim/scenario.ts), checked by its schema.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { parseJsonText, schemaProblems } from "../../common/invalid-file.js";
import { parseScenario, type Scenario, ScenarioError } from "../sim/scenario.js";

export interface RolloutScenario {
  readonly name: string;
  readonly description: string;
  readonly expect: "promote" | "abort";
  readonly rollout: {
    readonly stable: string;
    readonly canary: string;
    readonly exposureBudgetPercentMinutes: number;
    readonly deadlineMinutes: number;
  };
  readonly simulation: Scenario;
}

const SCHEMA = {
  type: "object",
  required: ["name", "description", "expect", "rollout", "simulation"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1 },
    description: { type: "string" },
    expect: { enum: ["promote", "abort"] },
    rollout: {
      type: "object",
      required: ["stable", "canary", "exposureBudgetPercentMinutes", "deadlineMinutes"],
      additionalProperties: false,
      properties: {
        stable: { type: "string", minLength: 1 },
        canary: { type: "string", minLength: 1 },
        exposureBudgetPercentMinutes: { type: "number", exclusiveMinimum: 0 },
        deadlineMinutes: { type: "number", exclusiveMinimum: 0 },
      },
    },
    simulation: { type: "object" },
  },
} as const;

const validate = new Ajv2020({ allErrors: true, strict: true }).compile(SCHEMA);

export function parseRolloutScenario(text: string, source: string): RolloutScenario {
  const data = parseJsonText(text, (problems) => new ScenarioError(source, problems));
  if (!validate(data)) throw new ScenarioError(source, schemaProblems(validate.errors));
  const d = data as Omit<RolloutScenario, "simulation"> & { simulation: unknown };
  const simulation = parseScenario(JSON.stringify(d.simulation), `${source} $.simulation`);
  const subsets = new Set(simulation.config.replicas.map((r) => r.subset));
  const missing = [d.rollout.stable, d.rollout.canary].filter((s) => !subsets.has(s));
  if (missing.length > 0)
    throw new ScenarioError(source, [
      `$.rollout: no replicas of subset ${missing.join(", ")} in $.simulation`,
    ]);
  return { ...d, simulation };
}
