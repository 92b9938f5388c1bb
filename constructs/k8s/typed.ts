import { ApiObject } from "cdk8s";
import type { Construct } from "constructs";

/** What every kubernetes-models class offers: schema validation and its JSON form. */
export interface TypedModel {
  validate(): void;
  toJSON(): unknown;
}

/**
 * Adds an object built with a typed upstream model (Istio, Argo CD, Prometheus operator, core)
 * to a cdk8s scope, after validating it against the upstream schema.
 *
 * A schema error therefore stops synth at the object that caused it, not at sync time.
 */
export function addTyped(scope: Construct, id: string, model: TypedModel): ApiObject {
  model.validate();
  const { apiVersion, kind, ...rest } = model.toJSON() as { apiVersion: string; kind: string };
  return new ApiObject(scope, id, { apiVersion, kind, ...rest });
}
