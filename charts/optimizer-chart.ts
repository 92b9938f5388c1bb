import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { aiopsPolicyCrd } from "../api/aiops/crd.js";
import { AIOpsPolicyModel } from "../api/aiops/model.js";
import { trafficIntentCrd } from "../api/intent/crd.js";
import { TrafficIntentModel } from "../api/intent/model.js";
import { INTENT_GROUP, INTENT_PLURAL } from "../api/intent/schema.js";
import { type EnvironmentConfig, imageRepository } from "../config/environments.js";
import { OPTIMIZER_IMAGE, type ShopService } from "../config/shop.js";
import { ROLLOUT_READERS_GROUP } from "../constructs/aws/addon-names.js";
import { versionWorkloadName } from "../constructs/k8s/mesh-service.js";
import { namespaceDefaults } from "../constructs/k8s/namespace-defaults.js";
import { NAMESPACES, SHOP_APPLICATION } from "../constructs/k8s/namespaces.js";
import { OptimizerWorkload } from "../constructs/k8s/optimizer-workload.js";
import { addTyped } from "../constructs/k8s/typed.js";
import { LOKI_GATEWAY } from "./observability-chart.js";
import { autoscaledHpas, environmentIntents } from "./optimizer-intents.js";

export interface OptimizerChartProps {
  readonly env: EnvironmentConfig;
  readonly services: readonly ShopService[];
}

/**
 * The optimizer in the tree: its workload (two leader-elected replicas, RBAC, PDB, monitoring and
 * network policy), the TrafficIntent CRD and a default intent per shop service, the AIOpsPolicy CRD
 * and one policy watching the shop, all in `observe` unless the environment promotes them.
 */
export class OptimizerChart extends Chart {
  constructor(scope: Construct, id: string, props: OptimizerChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    // Like the shop's: nothing in the namespace talks or is reached unless its own policy says so.
    namespaceDefaults(this, { namespace: NAMESPACES.optimizer, denyEgress: true });
    const intents = environmentIntents(props.env, props.services, NAMESPACES.shop);
    const aiopsMode = props.env.optimizer?.aiops?.mode ?? "observe";
    // In act mode a scale-out raises each service's first version's HPA, and those names only are patchable.
    const aiopsHpas = Object.fromEntries(
      props.services.map((s) => [s.name, versionWorkloadName(s.name, s.versions[0].name)]),
    );
    const autoscaled: Record<string, string[]> = {};
    for (const hpa of autoscaledHpas(intents))
      autoscaled[hpa.namespace] = [...(autoscaled[hpa.namespace] ?? []), hpa.name];
    new OptimizerWorkload(this, "Workload", {
      namespace: NAMESPACES.optimizer,
      managedNamespaces: [NAMESPACES.shop],
      image: imageRepository(props.env, OPTIMIZER_IMAGE),
      imageTag: props.env.shop.imageTag,
      imageDigest: props.env.shop.imageDigests?.[OPTIMIZER_IMAGE],
      prometheusNamespace: NAMESPACES.observability,
      apiServerCidr: props.env.vpcCidr,
      autoscaledHpas: autoscaled,
      // Read under the Role the add-ons chart grants in Argo CD's namespace.
      aiopsArgoApplication: SHOP_APPLICATION,
      // Incidents' log evidence, from the tree's Loki through its gateway (observability-chart.ts).
      aiopsLoki: LOKI_GATEWAY,
      ...(aiopsMode === "act"
        ? {
            aiopsScalableHpas: { [NAMESPACES.shop]: Object.values(aiopsHpas) },
            aiopsEvictionNamespaces: [NAMESPACES.shop],
          }
        : {}),
    });
    const crd = trafficIntentCrd();
    addTyped(
      this,
      "TrafficIntentCrd",
      new CustomResourceDefinition({
        ...crd,
        // The CRD syncs before the intents that need it.
        metadata: { ...crd.metadata, annotations: { "argocd.argoproj.io/sync-wave": "-1" } },
      } as never),
    );
    const aiopsCrd = aiopsPolicyCrd();
    addTyped(
      this,
      "AIOpsPolicyCrd",
      new CustomResourceDefinition({
        ...aiopsCrd,
        metadata: { ...aiopsCrd.metadata, annotations: { "argocd.argoproj.io/sync-wave": "-1" } },
      } as never),
    );
    // The AIOps layer watches the whole shop, on the shop model's call graph, in the environment's mode.
    addTyped(
      this,
      "AIOpsPolicy-shop",
      new AIOpsPolicyModel({
        metadata: {
          name: "shop",
          namespace: NAMESPACES.shop,
          labels: { "app.kubernetes.io/part-of": "meshpilot" },
          annotations: { "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true" },
        },
        spec: {
          mode: aiopsMode,
          services: Object.fromEntries(
            props.services.map((s) => [
              s.name,
              {
                calls: [...s.calls],
                ...(aiopsMode === "act" ? { horizontalPodAutoscaler: aiopsHpas[s.name] } : {}),
              },
            ]),
          ),
        },
      }),
    );
    for (const intent of intents) {
      addTyped(
        this,
        `Intent-${intent.metadata.name}`,
        new TrafficIntentModel({
          ...intent,
          metadata: {
            ...intent.metadata,
            // On a fresh cluster the CRD is not there at dry-run time; Argo CD applies it first.
            annotations: { "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true" },
          },
        }),
      );
    }
    this.rolloutReaders();
  }

  /**
   * What CI's rollout role may do in the cluster (EKS puts it in ROLLOUT_READERS_GROUP): read
   * TrafficIntents in the shop's namespace, enough for `npm run rollout-wait` and `kubectl wait`.
   */
  private rolloutReaders(): void {
    const metadata = {
      name: "meshpilot-rollout-reader",
      namespace: NAMESPACES.shop,
      labels: { "app.kubernetes.io/part-of": "meshpilot" },
    };
    addTyped(
      this,
      "RolloutReaderRole",
      new Role({
        metadata,
        rules: [{ apiGroups: [INTENT_GROUP], resources: [INTENT_PLURAL], verbs: ["get", "list", "watch"] }],
      }),
    );
    addTyped(
      this,
      "RolloutReaderBinding",
      new RoleBinding({
        metadata,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: metadata.name },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: ROLLOUT_READERS_GROUP }],
      }),
    );
  }
}
