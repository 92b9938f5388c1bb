/**
 * Names both halves agree on for the cluster add-ons: the AWS roles and queues, and the service
 * accounts and tags the GitOps tree refers to. Kept free of provider imports so the Kubernetes half
 * can read them without loading the AWS provider.
 */
import { iamRoleName } from "./names.js";

/** The tag Karpenter's EC2NodeClass selects subnets and security groups by. */
export const KARPENTER_DISCOVERY_TAG = "karpenter.sh/discovery";
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";
export const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller";

/** The names the GitOps tree's Karpenter values and EC2NodeClass refer to; derived, never looked up. */
export function karpenterNames(clusterName: string): { nodeRole: string; interruptionQueue: string } {
  return {
    nodeRole: iamRoleName(`${clusterName}-karpenter-node`),
    interruptionQueue: `${clusterName}-karpenter`,
  };
}

/**
 * The Kubernetes group CI's rollout role joins through its access entry. The GitOps tree binds it
 * to reading TrafficIntents in the shop's namespace, and nothing else.
 */
export const ROLLOUT_READERS_GROUP = "meshpilot:rollout-readers";
