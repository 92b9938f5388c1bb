/**
 * Meshpilot's AWS half: the cdktf constructs that need only cdktf, constructs and
 * @cdktf/provider-aws. Import from "meshpilot/aws" when your stack is AWS only; nothing here loads
 * cdk8s, the typed Kubernetes models or the helm and kubernetes providers.
 */

export * from "./config/aws-options.js";
export * from "./constructs/aws/addon-names.js";
export { type AwsContext, awsContext } from "./constructs/aws/aws-context.js";
export * from "./constructs/aws/ci-identity.js";
export * from "./constructs/aws/cidr.js";
export * from "./constructs/aws/container-registry.js";
export * from "./constructs/aws/eks-cluster.js";
export * from "./constructs/aws/encryption-key.js";
export * from "./constructs/aws/errors.js";
export * from "./constructs/aws/karpenter.js";
export * from "./constructs/aws/load-balancer-controller.js";
export * from "./constructs/aws/log-group.js";
export * from "./constructs/aws/loki-storage.js";
export * from "./constructs/aws/names.js";
export * from "./constructs/aws/network.js";
export * from "./constructs/aws/node-group.js";
export * from "./constructs/aws/permissions-boundary.js";
export * from "./constructs/aws/policy.js";
export * from "./constructs/aws/secure-bucket.js";
export * from "./constructs/aws/state-backend.js";
export * from "./constructs/aws/workload-identity.js";
