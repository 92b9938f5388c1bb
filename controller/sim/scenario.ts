/**
 * Scenario files: JSON descriptions of a simulated destination that anyone can write and run
 * without changing code. The JSON Schema below is the format's documentation and its validator.
 */
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import type { SimulationConfig } from "./engine.js";

const serviceTime = {
  description: "How long one request holds a worker slot at speed 1.",
  oneOf: [
    {
      type: "object",
      required: ["kind", "ms"],
      additionalProperties: false,
      properties: { kind: { const: "deterministic" }, ms: { type: "number", exclusiveMinimum: 0 } },
    },
    {
      type: "object",
      required: ["kind", "meanMs"],
      additionalProperties: false,
      properties: { kind: { const: "exponential" }, meanMs: { type: "number", exclusiveMinimum: 0 } },
    },
    {
      type: "object",
      required: ["kind", "meanMs", "cv"],
      additionalProperties: false,
      properties: {
        kind: { const: "lognormal" },
        meanMs: { type: "number", exclusiveMinimum: 0 },
        cv: { type: "number", exclusiveMinimum: 0, description: "coefficient of variation" },
      },
    },
    {
      type: "object",
      required: ["kind", "alpha", "minMs", "maxMs"],
      additionalProperties: false,
      properties: {
        kind: { const: "pareto" },
        alpha: { type: "number", exclusiveMinimum: 0 },
        minMs: { type: "number", exclusiveMinimum: 0 },
        maxMs: { type: "number", exclusiveMinimum: 0 },
      },
    },
  ],
} as const;

/** JSON Schema (2020-12) of a scenario file. */
export const SCENARIO_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://meshpilot.dev/schemas/scenario.json",
  title: "Meshpilot simulation scenario",
  type: "object",
  required: ["name", "durationMs", "replicas", "arrivals", "routing"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1 },
    description: { type: "string" },
    seed: { type: "integer", description: "Default seed; the bench overrides it per run." },
    durationMs: { type: "number", exclusiveMinimum: 0, maximum: 86_400_000 },
    warmupMs: { type: "number", minimum: 0, description: "Requests arriving earlier are not measured." },
    replicas: {
      type: "array",
      minItems: 1,
      maxItems: 10_000,
      items: {
        type: "object",
        required: ["subset", "slots", "serviceTime"],
        additionalProperties: false,
        properties: {
          subset: { type: "string", pattern: "^[a-z0-9][a-z0-9-]*$" },
          slots: { type: "integer", minimum: 1, maximum: 10_000 },
          serviceTime,
          speed: { type: "number", exclusiveMinimum: 0 },
          errorProbability: { type: "number", minimum: 0, maximum: 1 },
          count: {
            type: "integer",
            minimum: 1,
            maximum: 10_000,
            description: "Identical copies of this replica.",
          },
        },
      },
    },
    arrivals: {
      type: "object",
      required: ["kind", "rps"],
      additionalProperties: false,
      properties: { kind: { enum: ["poisson", "uniform"] }, rps: { type: "number", exclusiveMinimum: 0 } },
    },
    clientTimeoutMs: { type: "number", exclusiveMinimum: 0 },
    routing: {
      type: "object",
      required: ["algorithm", "weights"],
      additionalProperties: false,
      properties: {
        algorithm: { enum: ["ROUND_ROBIN", "RANDOM", "LEAST_REQUEST", "PEAK_EWMA", "ORACLE"] },
        weights: { type: "object", minProperties: 1, additionalProperties: { type: "number", minimum: 0 } },
        retries: {
          type: "object",
          description: "Envoy retries as Istio sets them; hedge keeps a timed-out try running.",
          required: ["attempts", "perTryTimeoutMs"],
          additionalProperties: false,
          properties: {
            attempts: { type: "integer", minimum: 0, maximum: 10 },
            perTryTimeoutMs: { type: "number", exclusiveMinimum: 0 },
            hedge: { type: "boolean" },
            retryOnError: { type: "boolean" },
          },
        },
        outlierDetection: {
          type: "object",
          required: ["consecutive5xxErrors", "intervalMs", "baseEjectionTimeMs", "maxEjectionPercent"],
          additionalProperties: false,
          properties: {
            consecutive5xxErrors: { type: "integer", minimum: 1 },
            intervalMs: { type: "number", exclusiveMinimum: 0 },
            baseEjectionTimeMs: { type: "number", exclusiveMinimum: 0 },
            maxEjectionPercent: { type: "number", minimum: 0, maximum: 100 },
          },
        },
      },
    },
  },
} as const;

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly config: SimulationConfig;
}

/** A scenario that does not match the schema or does not hang together; lists every problem with its JSON path. */
export class ScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: invalid scenario\n  ${problems.join("\n  ")}`);
    this.name = "ScenarioError";
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(SCENARIO_SCHEMA);

/** `/replicas/2/slots` → `$.replicas[2].slots`. */
function jsonPath(pointer: string): string {
  return `$${pointer
    .split("/")
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, "/").replace(/~0/g, "~")}`))
    .join("")}`;
}

function describe(error: ErrorObject): string {
  const where = jsonPath(error.instancePath);
  if (error.keyword === "additionalProperties")
    return `${where}: unknown field '${(error.params as { additionalProperty: string }).additionalProperty}'`;
  if (error.keyword === "required")
    return `${where}: missing field '${(error.params as { missingProperty: string }).missingProperty}'`;
  return `${where}: ${error.message}`;
}

/** Parses and validates a scenario file's text; `source` names it in errors. */
export function parseScenario(text: string, source: string, seed?: number): Scenario {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(source, [`$: not JSON (${(e as Error).message})`]);
  }
  if (!validate(data)) {
    // oneOf failures repeat for each branch; keep the most specific message per path.
    const problems = [...new Set((validate.errors ?? []).filter((e) => e.keyword !== "oneOf").map(describe))];
    throw new ScenarioError(
      source,
      problems.length > 0 ? problems : ["$: does not match the scenario schema"],
    );
  }
  const s = data as {
    name: string;
    description?: string;
    seed?: number;
    durationMs: number;
    warmupMs?: number;
    replicas: (SimulationConfig["replicas"][number] & { count?: number })[];
    arrivals: SimulationConfig["arrivals"];
    routing: SimulationConfig["routing"];
    clientTimeoutMs?: number;
  };
  const problems: string[] = [];
  const subsets = new Set(s.replicas.map((r) => r.subset));
  for (const name of Object.keys(s.routing.weights)) {
    if (!subsets.has(name)) problems.push(`$.routing.weights.${name}: no replica is in subset '${name}'`);
  }
  for (const name of subsets) {
    if (!(name in s.routing.weights))
      problems.push(`$.routing.weights: subset '${name}' has replicas but no weight`);
  }
  if (Object.values(s.routing.weights).every((w) => w === 0))
    problems.push("$.routing.weights: at least one weight must be above 0");
  if ((s.warmupMs ?? 0) >= s.durationMs)
    problems.push(`$.warmupMs: ${s.warmupMs} must be shorter than durationMs ${s.durationMs}`);
  s.replicas.forEach((r, i) => {
    if (r.serviceTime.kind === "pareto" && r.serviceTime.minMs >= r.serviceTime.maxMs) {
      problems.push(
        `$.replicas[${i}].serviceTime: minMs ${r.serviceTime.minMs} must be below maxMs ${r.serviceTime.maxMs}`,
      );
    }
  });
  if (problems.length > 0) throw new ScenarioError(source, problems);
  const replicas = s.replicas.flatMap(({ count, ...replica }) =>
    Array.from({ length: count ?? 1 }, () => replica),
  );
  return {
    name: s.name,
    description: s.description,
    config: {
      seed: seed ?? s.seed ?? 1,
      durationMs: s.durationMs,
      warmupMs: s.warmupMs,
      replicas,
      arrivals: s.arrivals,
      routing: s.routing,
      clientTimeoutMs: s.clientTimeoutMs,
    },
  };
}
