/**
 * Meshpilot's public API: the typed constructs, the environment config types and the shop model.
 *
 * Import from "meshpilot"; deep imports are not part of the API.
 */

export * from "./config/environments.js";
export * from "./config/shop.js";
export { type AwsContext, awsContext } from "./constructs/aws/aws-context.js";
export * from "./constructs/aws/ci-identity.js";
export * from "./constructs/aws/cidr.js";
export * from "./constructs/aws/container-registry.js";
export * from "./constructs/aws/eks-cluster.js";
export * from "./constructs/aws/encryption-key.js";
export * from "./constructs/aws/errors.js";
export * from "./constructs/aws/gitops-bootstrap.js";
export * from "./constructs/aws/log-group.js";
export * from "./constructs/aws/loki-storage.js";
export * from "./constructs/aws/names.js";
export * from "./constructs/aws/network.js";
export * from "./constructs/aws/node-group.js";
export * from "./constructs/aws/policy.js";
export * from "./constructs/aws/secure-bucket.js";
export * from "./constructs/aws/state-backend.js";
export * from "./constructs/aws/workload-identity.js";
export * from "./stacks/app.js";
export * from "./stacks/platform-stack.js";
export * from "./stacks/state-backend-stack.js";
