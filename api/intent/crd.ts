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

export function trafficIntentCrd() {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${INTENT_PLURAL}.${INTENT_GROUP}`,
      labels: { "app.kubernetes.io/part-of": "meshpilot" },
    },
    spec: {
      group: INTENT_GROUP,
      scope: "Namespaced",
      names: {
        kind: INTENT_KIND,
        listKind: `${INTENT_KIND}List`,
        plural: INTENT_PLURAL,
        singular: "trafficintent",
        shortNames: ["ti"],
        categories: ["meshpilot"],
      },
      versions: [
        {
          name: INTENT_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
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
          schema: {
            openAPIV3Schema: {
              type: "object",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: structural(INTENT_SPEC_SCHEMA),
                status: structural(INTENT_STATUS_SCHEMA),
              },
            },
          },
        },
      ],
    },
  };
}
