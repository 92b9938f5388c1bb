import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { NAMESPACES } from "../constructs/k8s/namespaces.js";
import { addTyped } from "../constructs/k8s/typed.js";

/**
 * The optimizer's place in the tree. The optimizer issue adds its Deployment, RBAC, CRD and
 * intents here; for now it holds the identity the optimizer will run as.
 */
export class OptimizerChart extends Chart {
  constructor(scope: Construct, id: string) {
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
  }
}
