/**
 * Meshpilot's public API: the typed constructs, the environment config types and the shop model.
 *
 * Import from "meshpilot"; deep imports are not part of the API.
 */

export * from "./charts/gitops-chart.js";
export * from "./charts/gitops-tree.js";
export * from "./charts/mesh-chart.js";
export * from "./charts/observability-chart.js";
export * from "./charts/optimizer-chart.js";
export * from "./charts/shop-chart.js";
export * from "./config/environments.js";
export * from "./config/shop.js";
export * from "./config/upstream-charts.js";
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
export * from "./constructs/k8s/argo-application.js";
export * from "./constructs/k8s/dashboards.js";
export * from "./constructs/k8s/data-store.js";
export * from "./constructs/k8s/mesh-service.js";
export * from "./constructs/k8s/namespaces.js";
export * from "./constructs/k8s/schemas.js";
export * from "./constructs/k8s/slo-rules.js";
export * from "./constructs/k8s/typed.js";
export * from "./stacks/app.js";
export * from "./stacks/platform-stack.js";
export * from "./stacks/state-backend-stack.js";
