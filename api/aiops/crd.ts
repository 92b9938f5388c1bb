/** The AIOpsPolicy CustomResourceDefinition, built from the schema the controller validates with. */
import { meshpilotCrd } from "../intent/crd.js";
import {
  AIOPS_GROUP,
  AIOPS_KIND,
  AIOPS_PLURAL,
  AIOPS_SPEC_SCHEMA,
  AIOPS_STATUS_SCHEMA,
  AIOPS_VERSION,
} from "./schema.js";

export function aiopsPolicyCrd() {
  return meshpilotCrd(
    {
      group: AIOPS_GROUP,
      version: AIOPS_VERSION,
      kind: AIOPS_KIND,
      plural: AIOPS_PLURAL,
      singular: "aiopspolicy",
      shortNames: ["aiops"],
    },
    [
      { name: "Mode", type: "string", jsonPath: ".spec.mode" },
      { name: "Paused", type: "boolean", jsonPath: ".spec.paused" },
      { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: "Open incidents", type: "integer", jsonPath: ".status.openIncidents" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
    AIOPS_SPEC_SCHEMA,
    AIOPS_STATUS_SCHEMA,
  );
}
