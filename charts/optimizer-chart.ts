import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { ShopService } from "../config/shop.js";
import { NAMESPACES } from "../constructs/k8s/namespaces.js";
import { addTyped } from "../constructs/k8s/typed.js";
import { trafficIntentCrd } from "../controller/intent/crd.js";
import { defaultIntents } from "../controller/intent/defaults.js";
import { TrafficIntentModel } from "../controller/intent/model.js";

export interface OptimizerChartProps {
  readonly services: readonly ShopService[];
}

/**
 * The optimizer's place in the tree: its identity, the TrafficIntent CRD and a default intent per
 * shop service (all in `observe`). The Deployment, RBAC and policies follow with the controller.
 */
export class OptimizerChart extends Chart {
  constructor(scope: Construct, id: string, props: OptimizerChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    addTyped(
      this,
      "ServiceAccount",
      new ServiceAccount({
        metadata: {
          name: "meshpilot-optimizer",
          namespace: NAMESPACES.optimizer,
          labels: { "app.kubernetes.io/name": "meshpilot-optimizer" },
        },
        automountServiceAccountToken: false,
      }),
    );
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
    for (const intent of defaultIntents(props.services, NAMESPACES.shop)) {
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
  }
}
