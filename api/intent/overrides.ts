/**
 * Routing overrides: limits a TrafficIntent's optimizer honours over whatever its policy proposes,
 * kept in one annotation on the intent. The AIOps layer writes them to move traffic off a bad new
 * version or to quarantine a pod, so the routing keeps one writer (the traffic optimizer); a person
 * can write them too (`kubectl annotate`). An annotation, not spec: Git owns the spec, and Argo CD
 * leaves an annotation it never declared alone.
 *
 * Each entry names who set it (`by`), so each owner removes only its own, and may carry an expiry
 * (`until`), after which it is ignored even if nobody removes it.
 */
import { Ajv } from "ajv";
import { describeProblems, schemaProblems } from "../schema-problems.js";

export const OVERRIDES_ANNOTATION = "optimizer.meshpilot.io/overrides";

export type RoutingOverride =
  | {
      /** The subset's weight is at most `maxWeight` percent; the rest goes to the other subsets. */
      readonly kind: "cap-subset";
      readonly subset: string;
      readonly maxWeight: number;
      readonly by: string;
      readonly reason?: string;
      readonly until?: string;
    }
  | {
      /** The pod goes to the quarantine lane (within the lane's bounds) and stays there. */
      readonly kind: "quarantine-pod";
      readonly pod: string;
      readonly by: string;
      readonly reason?: string;
      readonly until?: string;
    };

const COMMON = {
  by: { type: "string", minLength: 1, maxLength: 253 },
  reason: { type: "string", maxLength: 1024 },
  until: { type: "string", format: "date-time" },
} as const;

const SCHEMA = {
  type: "array",
  maxItems: 20,
  items: {
    type: "object",
    required: ["kind"],
    // The kind picks the branch, so a problem is reported against the right one.
    discriminator: { propertyName: "kind" },
    oneOf: [
      {
        type: "object",
        required: ["kind", "subset", "maxWeight", "by"],
        additionalProperties: false,
        properties: {
          kind: { const: "cap-subset" },
          subset: { type: "string", minLength: 1, maxLength: 63 },
          maxWeight: { type: "integer", minimum: 0, maximum: 100 },
          ...COMMON,
        },
      },
      {
        type: "object",
        required: ["kind", "pod", "by"],
        additionalProperties: false,
        properties: {
          kind: { const: "quarantine-pod" },
          pod: { type: "string", minLength: 1, maxLength: 253 },
          ...COMMON,
        },
      },
    ],
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false, discriminator: true });
// Ajv's date-time format lives in ajv-formats; a plain parse check says the same for our purpose.
ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
const check = ajv.compile(SCHEMA);

export type OverridesReading =
  | { readonly valid: true; readonly overrides: readonly RoutingOverride[] }
  | { readonly valid: false; readonly problem: string };

/** Every entry of the annotation, expired or not; a malformed annotation is one problem naming it. */
export function readOverrides(annotations: Readonly<Record<string, string>> | undefined): OverridesReading {
  const text = annotations?.[OVERRIDES_ANNOTATION];
  if (text === undefined || text.trim() === "") return { valid: true, overrides: [] };
  const fix = `fix or remove the annotation ${OVERRIDES_ANNOTATION}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { valid: false, problem: `${OVERRIDES_ANNOTATION} is not JSON (${(e as Error).message}); ${fix}` };
  }
  if (!check(parsed)) {
    const where = describeProblems(
      schemaProblems(check.errors, "a routing override").map((p) => ({
        ...p,
        path: p.path.replace(/^spec/, OVERRIDES_ANNOTATION),
      })),
    );
    return {
      valid: false,
      problem: `${where}; each entry is {kind: cap-subset, subset, maxWeight, by} or {kind: quarantine-pod, pod, by}; ${fix}`,
    };
  }
  return { valid: true, overrides: parsed as unknown as RoutingOverride[] };
}

/** The entries still in force at `nowMs`. */
export function activeOverrides(overrides: readonly RoutingOverride[], nowMs: number): RoutingOverride[] {
  return overrides.filter((o) => o.until === undefined || Date.parse(o.until) > nowMs);
}

/** What an override targets: the subset or the pod. */
export const overrideTarget = (o: RoutingOverride) => (o.kind === "cap-subset" ? o.subset : o.pod);

/** The annotation's new value: `add` replaces any entry of the same owner, kind and target. */
export function withOverride(overrides: readonly RoutingOverride[], add: RoutingOverride): string {
  const kept = overrides.filter(
    (o) => !(o.by === add.by && o.kind === add.kind && overrideTarget(o) === overrideTarget(add)),
  );
  return JSON.stringify([...kept, add]);
}

/** The annotation's new value without the entries `drop` selects. */
export function withoutOverrides(
  overrides: readonly RoutingOverride[],
  drop: (o: RoutingOverride) => boolean,
): string {
  return JSON.stringify(overrides.filter((o) => !drop(o)));
}
