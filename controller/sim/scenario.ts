/**
 * Scenario files: JSON descriptions of a simulated destination that anyone can write and run
 * without changing code. The JSON Schema below is the format's documentation and its validator.
 */

import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import { InvalidFileError, parseJsonText } from "../../common/invalid-file.js";
import { Random } from "../../common/random.js";
import type { SimulationConfig } from "./engine.js";
import type { TelemetryModel } from "./telemetry-model.js";

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
  required: ["name", "durationMs", "replicas", "routing"],
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
          costPerCpuSecond: { type: "number", minimum: 0 },
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
      description: "Open-loop load. Give this or clients.",
      oneOf: [
        {
          type: "object",
          required: ["kind", "rps"],
          additionalProperties: false,
          properties: {
            kind: { enum: ["poisson", "uniform"] },
            rps: { type: "number", exclusiveMinimum: 0 },
          },
        },
        {
          type: "object",
          required: ["kind", "states"],
          additionalProperties: false,
          properties: {
            kind: { const: "mmpp" },
            states: {
              type: "array",
              minItems: 2,
              items: {
                type: "object",
                required: ["rps", "meanDurationMs"],
                additionalProperties: false,
                properties: {
                  rps: { type: "number", minimum: 0 },
                  meanDurationMs: { type: "number", exclusiveMinimum: 0 },
                },
              },
            },
          },
        },
        {
          type: "object",
          required: ["kind", "baseRps", "peakRps", "startMs", "rampMs", "holdMs"],
          additionalProperties: false,
          properties: {
            kind: { const: "flash-sale" },
            baseRps: { type: "number", exclusiveMinimum: 0 },
            peakRps: { type: "number", exclusiveMinimum: 0 },
            startMs: { type: "number", minimum: 0 },
            rampMs: { type: "number", exclusiveMinimum: 0 },
            holdMs: { type: "number", minimum: 0 },
          },
        },
      ],
    },
    clients: {
      type: "object",
      description: "Closed-loop virtual users. Give this or arrivals.",
      required: ["users", "thinkMs"],
      additionalProperties: false,
      properties: {
        users: { type: "integer", minimum: 1, maximum: 100_000 },
        thinkMs: { type: "number", exclusiveMinimum: 0 },
      },
    },
    heterogeneity: {
      type: "object",
      description:
        "Static heterogeneity: this fraction of replicas, chosen by the seed, runs at a speed drawn from [minSpeed, maxSpeed].",
      required: ["fraction", "minSpeed", "maxSpeed"],
      additionalProperties: false,
      properties: {
        fraction: { type: "number", minimum: 0, maximum: 1 },
        minSpeed: { type: "number", exclusiveMinimum: 0 },
        maxSpeed: { type: "number", exclusiveMinimum: 0 },
      },
    },
    faults: {
      type: "array",
      items: {
        oneOf: [
          {
            type: "object",
            required: ["kind", "replica", "factor", "fromMs", "toMs"],
            additionalProperties: false,
            properties: {
              kind: { const: "brownout" },
              replica: { type: "integer", minimum: 0 },
              factor: { type: "number", minimum: 1 },
              fromMs: { type: "number", minimum: 0 },
              toMs: { type: "number", minimum: 0 },
            },
          },
          {
            type: "object",
            required: ["kind", "replica", "probability", "fromMs", "toMs"],
            additionalProperties: false,
            properties: {
              kind: { const: "error-burst" },
              replica: { type: "integer", minimum: 0 },
              probability: { type: "number", minimum: 0, maximum: 1 },
              fromMs: { type: "number", minimum: 0 },
              toMs: { type: "number", minimum: 0 },
            },
          },
          {
            type: "object",
            required: ["kind", "replica", "fromMs", "toMs"],
            additionalProperties: false,
            properties: {
              kind: { const: "crash" },
              replica: { type: "integer", minimum: 0 },
              fromMs: { type: "number", minimum: 0 },
              toMs: { type: "number", minimum: 0 },
            },
          },
          {
            type: "object",
            required: ["kind", "periodMs", "fastFactor"],
            additionalProperties: false,
            properties: {
              kind: { const: "speed-flip" },
              periodMs: { type: "number", exclusiveMinimum: 0 },
              fastFactor: { type: "number", exclusiveMinimum: 0 },
            },
          },
        ],
      },
    },
    controlIntervalMs: {
      type: "number",
      exclusiveMinimum: 0,
      description: "Telemetry interval; policies decide once per interval.",
    },
    telemetry: {
      type: "object",
      description: "How the control loop sees the mesh and reaches it; production's defaults when left out.",
      additionalProperties: false,
      properties: {
        percentiles: {
          enum: ["buckets", "exact"],
          description:
            "buckets: histogram_quantile over Istio's buckets, as production; exact: the simulator's own.",
        },
        scrapeIntervalMs: { type: "number", exclusiveMinimum: 0 },
        windowMs: {
          type: "number",
          exclusiveMinimum: 0,
          description: "The rate() window the controller queries.",
        },
        propagationDelayMs: {
          type: "number",
          minimum: 0,
          description:
            "How long a routing change takes to reach the proxies (istiod's debounce and the xDS push).",
        },
      },
    },
    objectives: {
      type: "object",
      description: "The SLO policies aim for, as an intent would state it.",
      required: ["p99LatencyMs", "errorRate"],
      additionalProperties: false,
      properties: {
        p99LatencyMs: { type: "number", exclusiveMinimum: 0 },
        errorRate: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
      },
    },
    clientTimeoutMs: { type: "number", exclusiveMinimum: 0 },
    routing: {
      type: "object",
      required: ["algorithm", "weights"],
      additionalProperties: false,
      properties: {
        algorithm: {
          enum: [
            "ROUND_ROBIN",
            "RANDOM",
            "LEAST_REQUEST",
            "LEAST_REQUEST_FULL_SCAN",
            "ORCA_WRR",
            "PEAK_EWMA",
            "PREQUAL",
            "ORACLE",
          ],
        },
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
  /** @default p99 100 ms, 0.1% errors */
  readonly objectives: { readonly p99LatencyMs: number; readonly errorRate: number };
  /** What the scenario sets of the control loop's telemetry; the rest takes production's defaults. */
  readonly telemetry: Partial<TelemetryModel>;
}

/** A scenario that does not match the schema or does not hang together; lists every problem with its JSON path. */
export class ScenarioError extends InvalidFileError {
  constructor(source: string, problems: readonly string[]) {
    super("scenario", source, problems);
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

/**
 * The errors worth showing. A `oneOf` reports every branch's failures; every branch here is told
 * apart by its `kind`, so keep only the branch whose `kind` the object has, or, when no branch has
 * it, one line listing the kinds there are.
 */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  type Group = { branches: Set<string>; rejected: Set<string>; kinds: unknown[] };
  // Ajv reports each failed oneOf itself, at the object it applies to: that defines the groups.
  const groups = new Map<string, Group>();
  for (const e of errors)
    if (e.keyword === "oneOf")
      groups.set(`${e.schemaPath}@${e.instancePath}`, {
        branches: new Set(),
        rejected: new Set(),
        kinds: [],
      });
  const groupOf = (e: ErrorObject): { key: string; path: string; branch: string } | undefined => {
    const m = /^(.*\/oneOf)\/(\d+)\//.exec(e.schemaPath);
    if (!m) return undefined;
    const paths = [...groups.keys()]
      .filter((k) => k.startsWith(`${m[1]}@`))
      .map((k) => k.slice(m[1].length + 1))
      .filter((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`))
      .sort((a, b) => b.length - a.length);
    return paths.length > 0 ? { key: `${m[1]}@${paths[0]}`, path: paths[0], branch: m[2] } : undefined;
  };
  const isKindMismatch = (e: ErrorObject, path: string) =>
    e.instancePath === `${path}/kind` && (e.keyword === "const" || e.keyword === "enum");
  // Each error's place, found once for both passes below.
  const located = errors.map((e) => ({ e, at: groupOf(e) }));
  for (const { e, at } of located) {
    const g = at && groups.get(at.key);
    if (!at || !g) continue;
    g.branches.add(at.branch);
    if (isKindMismatch(e, at.path)) {
      g.rejected.add(at.branch);
      const p = e.params as { allowedValue?: unknown; allowedValues?: unknown[] };
      g.kinds.push(...(p.allowedValues ?? [p.allowedValue]));
    }
  }
  const kept: ErrorObject[] = [];
  const reported = new Set<string>();
  for (const { e, at } of located) {
    if (e.keyword === "oneOf") continue;
    const g = at && groups.get(at.key);
    if (!at || !g) {
      kept.push(e);
      continue;
    }
    const matching = [...g.branches].filter((b) => !g.rejected.has(b));
    if (matching.length === 0) {
      // No branch takes this kind: say which kinds there are, once.
      if (!reported.has(at.key)) {
        reported.add(at.key);
        kept.push({
          ...e,
          instancePath: `${at.path}/kind`,
          keyword: "enum",
          message: `must be one of ${[...new Set(g.kinds)].join(", ")}`,
        });
      }
    } else if (matching.includes(at.branch) && !isKindMismatch(e, at.path)) kept.push(e);
  }
  return kept;
}

/** Parses and validates a scenario file's text; `source` names it in errors. */
export function parseScenario(text: string, source: string, seed?: number): Scenario {
  const data = parseJsonText(text, (problems) => new ScenarioError(source, problems));
  if (!validate(data)) {
    const problems = [...new Set(relevantErrors(validate.errors ?? []).map(describe))];
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
    arrivals?: SimulationConfig["arrivals"];
    clients?: SimulationConfig["clients"];
    routing: SimulationConfig["routing"];
    clientTimeoutMs?: number;
    faults?: SimulationConfig["faults"];
    controlIntervalMs?: number;
    heterogeneity?: { fraction: number; minSpeed: number; maxSpeed: number };
    objectives?: { p99LatencyMs: number; errorRate: number };
    telemetry?: Partial<TelemetryModel>;
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
  if ((s.arrivals === undefined) === (s.clients === undefined)) {
    problems.push("$: give exactly one of 'arrivals' (open loop) and 'clients' (closed loop)");
  }
  const replicaCount = s.replicas.reduce((n, r) => n + (r.count ?? 1), 0);
  (s.faults ?? []).forEach((f, i) => {
    if ("replica" in f && f.replica >= replicaCount) {
      problems.push(
        `$.faults[${i}].replica: ${f.replica} but there are only ${replicaCount} replicas (counting from 0)`,
      );
    }
    if ("fromMs" in f && f.fromMs >= f.toMs)
      problems.push(`$.faults[${i}]: fromMs ${f.fromMs} must be before toMs ${f.toMs}`);
  });
  if (s.heterogeneity && s.heterogeneity.minSpeed > s.heterogeneity.maxSpeed) {
    problems.push(
      `$.heterogeneity: minSpeed ${s.heterogeneity.minSpeed} is above maxSpeed ${s.heterogeneity.maxSpeed}`,
    );
  }
  if (problems.length > 0) throw new ScenarioError(source, problems);
  const runSeed = seed ?? s.seed ?? 1;
  let replicas = s.replicas.flatMap(({ count, ...replica }) =>
    Array.from({ length: count ?? 1 }, () => replica),
  );
  if (s.heterogeneity)
    replicas = applyHeterogeneity(replicas, s.heterogeneity, new Random(runSeed).fork("heterogeneity"));
  return {
    name: s.name,
    description: s.description,
    objectives: s.objectives ?? { p99LatencyMs: 100, errorRate: 0.001 },
    telemetry: s.telemetry ?? {},
    config: {
      seed: runSeed,
      durationMs: s.durationMs,
      warmupMs: s.warmupMs,
      replicas,
      arrivals: s.arrivals,
      clients: s.clients,
      routing: s.routing,
      clientTimeoutMs: s.clientTimeoutMs,
      faults: s.faults,
      controlIntervalMs: s.controlIntervalMs,
    },
  };
}

/** Slows a seeded choice of `fraction` of the replicas to speeds drawn uniformly from [minSpeed, maxSpeed]. */
function applyHeterogeneity<T extends { speed?: number }>(
  replicas: T[],
  h: { fraction: number; minSpeed: number; maxSpeed: number },
  random: Random,
): T[] {
  const order = replicas.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const slowed = new Set(order.slice(0, Math.round(h.fraction * replicas.length)));
  return replicas.map((r, i) =>
    slowed.has(i)
      ? { ...r, speed: (r.speed ?? 1) * (h.minSpeed + random.uniform() * (h.maxSpeed - h.minSpeed)) }
      : r,
  );
}
