/** The namespaces Meshpilot uses; charts and policies refer to them through these names only. */
export const NAMESPACES = {
  argocd: "argocd",
  istioSystem: "istio-system",
  ingress: "istio-ingress",
  observability: "observability",
  shop: "shop",
  optimizer: "meshpilot-system",
} as const;

export { OPTIMIZER_FIELD_MANAGER } from "../../api/optimizer.js";

/** The tree's Application that syncs the shop, in Argo CD's namespace: its sync history dates the shop's changes. */
export const SHOP_APPLICATION = { namespace: NAMESPACES.argocd, name: "shop" } as const;

/** Labels that select the ingress gateway's pods and the Prometheus server's pods. */
export const INGRESS_GATEWAY_LABELS = { istio: "ingressgateway" } as const;
export const INGRESS_GATEWAY_SERVICE_ACCOUNT = "istio-ingressgateway";
export const PROMETHEUS_POD_LABELS = { "app.kubernetes.io/name": "prometheus" } as const;

/**
 * Meshpilot's Argo CD projects; no application is in `default`. Terraform creates them (see
 * charts/argo-projects.ts), so nothing synced from Git can change what a project admits.
 */
export const PROJECTS = {
  /** The root app-of-apps: may create Applications in argocd, nothing else. */
  root: "meshpilot-root",
  /** Istio, observability and the cluster add-ons. */
  platform: "meshpilot-platform",
  /** The shop and the optimizer. */
  shop: "meshpilot-shop",
} as const;
