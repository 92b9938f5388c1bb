/**
 * Workload traces for the autoscaling benchmark: requests per second at fixed steps, either
 * generated from a scenario file (a base rate shaped by named components, reproducible from its
 * seed) or replayed from a CSV a user exported (for example from Prometheus).
 *
 * Components multiply the base rate, in file order:
 * - daily / weekly: 1 + amplitude × cos(2π(t − peak)/period);
 * - trend: grows by `percentPerDay`, compounding;
 * - ramp: a flash sale or an announced promotion, rising linearly over `rampSteps` to `factor`,
 *   held `holdSteps`, then falling over `rampSteps`;
 * - spike: at each listed step, `factor` for `durationSteps`;
 * - noise: lognormal with coefficient of variation `cv` (mean 1).
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { InvalidFileError, parseJsonText, schemaProblems } from "../../common/invalid-file.js";
import { Random } from "../../common/random.js";

export interface Trace {
  readonly name: string;
  readonly description: string;
  readonly stepSeconds: number;
  /** Steps per day: the season the forecasters use. */
  readonly seasonSteps: number;
  readonly rps: readonly number[];
  /**
   * The trace's ramps and spikes, for scoring (a scale-up during a spike chased it) and as the
   * calendar a scaler may read (an announced ramp is known from its announcement on).
   */
  readonly events: readonly TraceEvent[];
}

export interface TraceEvent {
  readonly kind: "ramp" | "spike";
  /** First step of the event, and the step after its last. */
  readonly fromStep: number;
  readonly toStep: number;
  readonly factor: number;
  readonly announcedAtStep?: number;
}

const POSITIVE = { type: "number", exclusiveMinimum: 0 } as const;
const STEP = { type: "integer", minimum: 0 } as const;

const SEASONAL = (kind: "daily" | "weekly") =>
  ({
    type: "object",
    required: ["kind", "amplitude", "peakStep"],
    additionalProperties: false,
    properties: {
      kind: { const: kind },
      amplitude: { type: "number", minimum: 0, maximum: 1 },
      peakStep: STEP,
    },
  }) as const;

/** One branch per kind, chosen by `kind`, so an error names the fields of that kind only. */
const COMPONENT = {
  type: "object",
  required: ["kind"],
  properties: { kind: { type: "string" } },
  discriminator: { propertyName: "kind" },
  oneOf: [
    SEASONAL("daily"),
    SEASONAL("weekly"),
    {
      type: "object",
      required: ["kind", "percentPerDay"],
      additionalProperties: false,
      properties: { kind: { const: "trend" }, percentPerDay: { type: "number", minimum: -50, maximum: 100 } },
    },
    {
      type: "object",
      required: ["kind", "atStep", "rampSteps", "holdSteps", "factor"],
      additionalProperties: false,
      properties: {
        kind: { const: "ramp" },
        atStep: STEP,
        rampSteps: { type: "integer", minimum: 1 },
        holdSteps: STEP,
        factor: POSITIVE,
        /** When the ramp was announced: a forecaster may be told ahead (a calendar), or not. */
        announcedAtStep: STEP,
      },
    },
    {
      type: "object",
      required: ["kind", "atSteps", "durationSteps", "factor"],
      additionalProperties: false,
      properties: {
        kind: { const: "spike" },
        atSteps: { type: "array", items: STEP, minItems: 1 },
        durationSteps: { type: "integer", minimum: 1 },
        factor: POSITIVE,
      },
    },
    {
      type: "object",
      required: ["kind", "cv"],
      additionalProperties: false,
      properties: { kind: { const: "noise" }, cv: { type: "number", minimum: 0, maximum: 2 } },
    },
  ],
} as const;

const TRACE_SCHEMA = {
  type: "object",
  required: ["name", "description", "seed", "stepSeconds", "days", "baseRps", "components"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1 },
    description: { type: "string" },
    seed: { type: "integer", minimum: 0 },
    stepSeconds: { type: "integer", minimum: 1, maximum: 3600 },
    days: { type: "number", exclusiveMinimum: 0, maximum: 60 },
    baseRps: POSITIVE,
    components: { type: "array", items: COMPONENT },
  },
} as const;

type Component =
  | { kind: "daily" | "weekly"; amplitude: number; peakStep: number }
  | { kind: "trend"; percentPerDay: number }
  | {
      kind: "ramp";
      atStep: number;
      rampSteps: number;
      holdSteps: number;
      factor: number;
      announcedAtStep?: number;
    }
  | { kind: "spike"; atSteps: number[]; durationSteps: number; factor: number }
  | { kind: "noise"; cv: number };

interface TraceFile {
  name: string;
  description: string;
  seed: number;
  stepSeconds: number;
  days: number;
  baseRps: number;
  components: Component[];
}

/** A trace or CSV that cannot be used: every problem with its path (or line) and reason. */
export class TraceError extends InvalidFileError {
  constructor(source: string, problems: readonly string[]) {
    super("trace", source, problems);
    this.name = "TraceError";
  }
}

const validate = new Ajv2020({ allErrors: true, strict: true, discriminator: true }).compile(TRACE_SCHEMA);

function factorAt(c: Component, t: number, daySteps: number, random: Random): number {
  switch (c.kind) {
    case "daily":
    case "weekly": {
      const period = c.kind === "daily" ? daySteps : 7 * daySteps;
      return 1 + c.amplitude * Math.cos((2 * Math.PI * (t - c.peakStep)) / period);
    }
    case "trend":
      return (1 + c.percentPerDay / 100) ** (t / daySteps);
    case "ramp": {
      const into = t - c.atStep;
      if (into < 0 || into >= 2 * c.rampSteps + c.holdSteps) return 1;
      const up = Math.min(1, (into + 1) / c.rampSteps);
      const down = Math.min(1, (2 * c.rampSteps + c.holdSteps - into) / c.rampSteps);
      return 1 + (c.factor - 1) * Math.min(up, down);
    }
    case "spike":
      return c.atSteps.some((s) => t >= s && t < s + c.durationSteps) ? c.factor : 1;
    case "noise":
      return c.cv === 0 ? 1 : random.lognormal(1, c.cv);
  }
}

export function parseTrace(text: string, source: string): Trace {
  const data = parseJsonText(text, (problems) => new TraceError(source, problems));
  if (!validate(data))
    throw new TraceError(
      source,
      schemaProblems(validate.errors, (e, path) =>
        e.keyword === "discriminator"
          ? `${path}.kind: must be one of daily, weekly, trend, ramp, spike, noise`
          : undefined,
      ),
    );
  const f = data as TraceFile;
  const daySteps = Math.round(86_400 / f.stepSeconds);
  const steps = Math.round(f.days * daySteps);
  const problems = f.components.flatMap((c, i) =>
    c.kind === "ramp" && c.atStep >= steps
      ? [`$.components[${i}].atStep: ${c.atStep} is past the trace's last step ${steps - 1}`]
      : c.kind === "spike" && c.atSteps.some((s) => s >= steps)
        ? [`$.components[${i}].atSteps: a step is past the trace's last step ${steps - 1}`]
        : [],
  );
  if (problems.length > 0) throw new TraceError(source, problems);
  const random = new Random(f.seed);
  const rps = Array.from({ length: steps }, (_, t) =>
    f.components.reduce((r, c) => r * factorAt(c, t, daySteps, random), f.baseRps),
  );
  const events = f.components.flatMap((c): TraceEvent[] =>
    c.kind === "ramp"
      ? [
          {
            kind: "ramp",
            fromStep: c.atStep,
            toStep: c.atStep + 2 * c.rampSteps + c.holdSteps,
            factor: c.factor,
            ...(c.announcedAtStep !== undefined ? { announcedAtStep: c.announcedAtStep } : {}),
          },
        ]
      : c.kind === "spike"
        ? c.atSteps.map((at) => ({
            kind: "spike",
            fromStep: at,
            toStep: at + c.durationSteps,
            factor: c.factor,
          }))
        : [],
  );
  return {
    name: f.name,
    description: f.description,
    stepSeconds: f.stepSeconds,
    seasonSteps: daySteps,
    rps,
    events,
  };
}

/**
 * A user's own series: `timestamp,value` lines (unix seconds or ISO 8601; a header line is
 * allowed), resampled to `stepSeconds` by averaging the samples in each step and carrying the last
 * value across gaps.
 */
export function traceFromCsv(
  text: string,
  source: string,
  stepSeconds: number,
  seasonSteps = Math.round(86_400 / stepSeconds),
): Trace {
  const problems: string[] = [];
  const samples: { at: number; value: number }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const [rawAt, rawValue, ...rest] = line.split(",").map((x) => x.trim());
    if (i === 0 && Number.isNaN(Number(rawValue))) return; // a header
    const at = /^\d+(\.\d+)?$/.test(rawAt ?? "") ? Number(rawAt) : Date.parse(rawAt ?? "") / 1000;
    const value = Number(rawValue);
    if (rest.length > 0 || !Number.isFinite(at) || !Number.isFinite(value) || value < 0)
      problems.push(`line ${i + 1}: expected "timestamp,value" with a non-negative value, got "${line}"`);
    else samples.push({ at, value });
  });
  if (samples.length < 2 && problems.length === 0) problems.push("fewer than two samples");
  for (let i = 1; i < samples.length; i++)
    if (samples[i].at <= samples[i - 1].at) {
      problems.push(`timestamps must increase: ${samples[i].at} follows ${samples[i - 1].at}`);
      break;
    }
  if (problems.length > 0) throw new TraceError(source, problems.slice(0, 10));
  const start = samples[0].at;
  const steps = Math.floor((samples[samples.length - 1].at - start) / stepSeconds) + 1;
  const sums = new Array<number>(steps).fill(0);
  const counts = new Array<number>(steps).fill(0);
  for (const s of samples) {
    const i = Math.floor((s.at - start) / stepSeconds);
    sums[i] += s.value;
    counts[i]++;
  }
  const rps: number[] = [];
  let last = samples[0].value;
  for (let i = 0; i < steps; i++) {
    if (counts[i] > 0) last = sums[i] / counts[i];
    rps.push(last);
  }
  return { name: source, description: `replayed from ${source}`, stepSeconds, seasonSteps, rps, events: [] };
}
