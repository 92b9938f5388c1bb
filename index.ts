/**
 * Meshpilot's public API: the typed constructs, the environment config types and the shop model.
 *
 * Import from "meshpilot"; deep imports are not part of the API.
 */

export * from "./config/environments";
export * from "./config/shop";
export { type AwsContext, awsContext } from "./constructs/aws/aws-context";
export * from "./constructs/aws/ci-identity";
export * from "./constructs/aws/cidr";
export * from "./constructs/aws/container-registry";
export * from "./constructs/aws/eks-cluster";
export * from "./constructs/aws/encryption-key";
export * from "./constructs/aws/errors";
export * from "./constructs/aws/gitops-bootstrap";
export * from "./constructs/aws/log-group";
export * from "./constructs/aws/loki-storage";
export * from "./constructs/aws/names";
export * from "./constructs/aws/network";
export * from "./constructs/aws/node-group";
export * from "./constructs/aws/policy";
export * from "./constructs/aws/secure-bucket";
export * from "./constructs/aws/state-backend";
export * from "./constructs/aws/workload-identity";
export * from "./stacks/app";
export * from "./stacks/platform-stack";
export * from "./stacks/state-backend-stack";
