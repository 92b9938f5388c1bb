import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { type EnvironmentConfig, platformName } from "../config/environments.js";
import { UPSTREAM_CHARTS } from "../config/upstream-charts.js";
import {
  KARPENTER_SERVICE_ACCOUNT,
  karpenterNames,
  LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
} from "../constructs/aws/addon-names.js";
import { chartApplications } from "../constructs/k8s/argo-application.js";
import { ArgoApplicationReader } from "../constructs/k8s/argo-application-reader.js";
import { NAMESPACES, PROJECTS, SHOP_APPLICATION } from "../constructs/k8s/namespaces.js";
import { nodePools } from "../constructs/k8s/node-pools.js";

export interface AddonsChartProps {
  readonly env: EnvironmentConfig;
}

/** Where both controllers run: kube-system, as their docs install them. */
export const ADDONS_NAMESPACE = "kube-system";

const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({
  requests: { cpu, memory },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

/** The system pool's taint, which cluster add-ons tolerate so they can run there in prod. */
const CRITICAL_ADDONS = [{ key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" }];

/**
 * The cluster add-ons the rest of the tree relies on, from their pinned upstream charts: the AWS
 * Load Balancer Controller (the ingress gateway's NLB) and Karpenter (nodes beyond the managed
 * groups' minimum), with a NodePool and EC2NodeClass per node group. Their IAM roles, Karpenter's
 * node role and interruption queue come from the AWS stack under names both sides derive.
 */
export class AddonsChart extends Chart {
  constructor(scope: Construct, id: string, props: AddonsChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { env } = props;
    const cluster = platformName(env);
    const karpenter = karpenterNames(cluster);
    const app = chartApplications(this, { project: PROJECTS.platform, namespace: ADDONS_NAMESPACE });
    // The optimizer reads the shop Application's sync history (recent changes with their Git
    // revision). Argo CD's namespace is the platform project's, so the right is granted here: the
    // shop's project, which syncs the optimizer, must never reach it.
    new ArgoApplicationReader(this, "OptimizerArgoReader", {
      application: SHOP_APPLICATION,
      optimizerNamespace: NAMESPACES.optimizer,
    });

    app("aws-load-balancer-controller", 0, UPSTREAM_CHARTS.awsLoadBalancerController, {
      clusterName: cluster,
      region: env.region,
      // Nodes keep IMDS out of pods' reach (hop limit 1), so the controller finds its VPC by the
      // Name tag the Network construct gives it instead of asking IMDS.
      vpcTags: { Name: cluster },
      replicaCount: 2,
      serviceAccount: { create: true, name: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT },
      // Only Services that ask for it (the gateway's `aws-load-balancer-type: external`) get an NLB.
      enableServiceMutatorWebhook: false,
      podDisruptionBudget: { maxUnavailable: 1 },
      resources: resources("50m", "128Mi", "500m", "512Mi"),
      tolerations: CRITICAL_ADDONS,
    });
    app("karpenter", 0, UPSTREAM_CHARTS.karpenter, {
      settings: { clusterName: cluster, interruptionQueue: karpenter.interruptionQueue },
      serviceAccount: { create: true, name: KARPENTER_SERVICE_ACCOUNT },
      replicas: 2,
      controller: { resources: resources("250m", "512Mi", "1", "1Gi") },
      // Karpenter must not run on nodes it manages, or it could remove its own node.
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "karpenter.sh/nodepool", operator: "DoesNotExist" }] },
            ],
          },
        },
      },
      tolerations: CRITICAL_ADDONS,
    });
    nodePools(this, {
      clusterName: cluster,
      nodeRole: karpenter.nodeRole,
      nodeGroups: env.nodeGroups,
      wave: 1,
    });
  }
}
