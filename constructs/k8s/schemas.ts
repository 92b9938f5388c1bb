import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { AppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject";
import { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1/DestinationRule";
import { Gateway } from "@kubernetes-models/istio/networking.istio.io/v1/Gateway";
import { ServiceEntry } from "@kubernetes-models/istio/networking.istio.io/v1/ServiceEntry";
import { Sidecar } from "@kubernetes-models/istio/networking.istio.io/v1/Sidecar";
import { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1/VirtualService";
import { AuthorizationPolicy } from "@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy";
import { PeerAuthentication } from "@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication";
import { Telemetry } from "@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry";
import { EC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass";
import { NodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { AIOpsPolicyModel } from "../../api/aiops/model.js";
import { TrafficIntentModel } from "../../api/intent/model.js";
import type { TypedModel } from "./typed.js";

/** A Kubernetes object as synthesized: plain JSON. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

type ModelClass = new (data: never) => TypedModel;

/** Every kind the tree may contain, mapped to its upstream schema. A kind missing here fails synth. */
const SCHEMAS: Record<string, ModelClass> = Object.fromEntries(
  (
    [
      ["v1", "Namespace", Namespace],
      ["v1", "ServiceAccount", ServiceAccount],
      ["v1", "ConfigMap", ConfigMap],
      ["v1", "Service", Service],
      ["apps/v1", "Deployment", Deployment],
      ["apps/v1", "StatefulSet", StatefulSet],
      ["autoscaling/v2", "HorizontalPodAutoscaler", HorizontalPodAutoscaler],
      ["policy/v1", "PodDisruptionBudget", PodDisruptionBudget],
      ["networking.k8s.io/v1", "NetworkPolicy", NetworkPolicy],
      ["rbac.authorization.k8s.io/v1", "Role", Role],
      ["rbac.authorization.k8s.io/v1", "RoleBinding", RoleBinding],
      ["rbac.authorization.k8s.io/v1", "ClusterRole", ClusterRole],
      ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding", ClusterRoleBinding],
      ["networking.istio.io/v1", "VirtualService", VirtualService],
      ["networking.istio.io/v1", "DestinationRule", DestinationRule],
      ["networking.istio.io/v1", "Gateway", Gateway],
      ["networking.istio.io/v1", "Sidecar", Sidecar],
      ["networking.istio.io/v1", "ServiceEntry", ServiceEntry],
      ["security.istio.io/v1", "AuthorizationPolicy", AuthorizationPolicy],
      ["security.istio.io/v1", "PeerAuthentication", PeerAuthentication],
      ["telemetry.istio.io/v1", "Telemetry", Telemetry],
      ["argoproj.io/v1alpha1", "Application", Application],
      ["argoproj.io/v1alpha1", "AppProject", AppProject],
      ["monitoring.coreos.com/v1", "PodMonitor", PodMonitor],
      ["monitoring.coreos.com/v1", "ServiceMonitor", ServiceMonitor],
      ["monitoring.coreos.com/v1", "PrometheusRule", PrometheusRule],
      ["apiextensions.k8s.io/v1", "CustomResourceDefinition", CustomResourceDefinition],
      ["karpenter.sh/v1", "NodePool", NodePool],
      ["karpenter.k8s.aws/v1", "EC2NodeClass", EC2NodeClass],
      // Ours: validated with the same schema its CRD ships (api/intent/schema.ts).
      ["optimizer.meshpilot.io/v1alpha1", "TrafficIntent", TrafficIntentModel],
      ["optimizer.meshpilot.io/v1alpha1", "AIOpsPolicy", AIOpsPolicyModel],
    ] as const
  ).map(([apiVersion, kind, cls]) => [`${apiVersion}/${kind}`, cls as unknown as ModelClass]),
);

/** Thrown when an object does not match its upstream schema, naming the object. */
export class SchemaError extends Error {
  constructor(manifest: Manifest, reason: string) {
    const where = `${manifest.apiVersion} ${manifest.kind} ${manifest.metadata?.namespace ?? "-"}/${manifest.metadata?.name}`;
    super(`${where} does not match its schema: ${reason}`);
    this.name = "SchemaError";
  }
}

/** Validates one object against its upstream schema (kubernetes-models, @kubernetes-models/*). */
export function validateManifest(manifest: Manifest): void {
  const Model = SCHEMAS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new SchemaError(manifest, "no upstream schema is registered for this kind");
  try {
    new Model(structuredClone(manifest) as never).validate();
  } catch (e) {
    throw new SchemaError(manifest, e instanceof Error ? e.message : String(e));
  }
}

/** The kinds the registry knows, as `apiVersion/Kind`. */
export function knownKinds(): string[] {
  return Object.keys(SCHEMAS).sort();
}
