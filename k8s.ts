/**
 * Meshpilot's Kubernetes half: the cdk8s constructs, the charts of the GitOps tree, the environment
 * config and the shop model. Import from "meshpilot/k8s"; it needs cdk8s, cdk8s-plus-27, the typed
 * Kubernetes models and the Grafana foundation SDK (optional peers of the package), and never
 * loads an AWS or Terraform provider.
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
export * from "./constructs/k8s/argo-application.js";
export * from "./constructs/k8s/dashboards.js";
export * from "./constructs/k8s/data-store.js";
export * from "./constructs/k8s/mesh-service.js";
export * from "./constructs/k8s/namespaces.js";
export * from "./constructs/k8s/schemas.js";
export * from "./constructs/k8s/slo-rules.js";
export * from "./constructs/k8s/typed.js";
