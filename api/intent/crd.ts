/** The TrafficIntent CustomResourceDefinition, built from the schema the controller validates with. */
import {
  INTENT_GROUP,
  INTENT_KIND,
  INTENT_PLURAL,
  INTENT_SPEC_SCHEMA,
  INTENT_STATUS_SCHEMA,
  INTENT_VERSION,
} from "./schema.js";

/**
 * Kubernetes wants a structural schema: `additionalProperties: false` beside `properties` is not
 * allowed there (the API server prunes unknown fields instead), so it is dropped for the CRD.
 */
export function structural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structural);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "additionalProperties" && v === false) continue;
    out[k] = k === "enum" || k === "required" || k === "default" ? v : structural(v);
  }
  return out;
}

export interface CrdNames {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
}

/** A namespaced, Meshpilot-labelled CRD with one served version, a status subresource and the given schemas. */
export function meshpilotCrd(
  n: CrdNames,
  printerColumns: readonly Record<string, unknown>[],
  spec: unknown,
  status: unknown,
) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${n.plural}.${n.group}`,
      labels: { "app.kubernetes.io/part-of": "meshpilot" },
    },
    spec: {
      group: n.group,
      scope: "Namespaced",
      names: {
        kind: n.kind,
        listKind: `${n.kind}List`,
        plural: n.plural,
        singular: n.singular,
        shortNames: [...n.shortNames],
        categories: ["meshpilot"],
      },
      versions: [
        {
          name: n.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [...printerColumns],
          schema: {
            openAPIV3Schema: {
              type: "object",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: structural(spec),
                status: structural(status),
              },
            },
          },
        },
      ],
    },
  };
}

export function trafficIntentCrd() {
  return meshpilotCrd(
    {
      group: INTENT_GROUP,
      version: INTENT_VERSION,
      kind: INTENT_KIND,
      plural: INTENT_PLURAL,
      singular: "trafficintent",
      shortNames: ["ti"],
    },
    [
      { name: "Mode", type: "string", jsonPath: ".spec.mode" },
      { name: "Algorithm", type: "string", jsonPath: ".spec.algorithm" },
      { name: "Paused", type: "boolean", jsonPath: ".spec.paused" },
      { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      {
        name: "Last decision",
        type: "string",
        jsonPath: ".status.lastDecision.explanation",
        priority: 1,
      },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
    INTENT_SPEC_SCHEMA,
    INTENT_STATUS_SCHEMA,
  );
}
