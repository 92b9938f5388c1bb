import { AuthorizationPolicy } from "@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy";
import { PeerAuthentication } from "@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication";
import { Telemetry } from "@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry";
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { UPSTREAM_CHARTS } from "../config/upstream-charts.js";
import { chartApplications, type IgnoreDifference } from "../constructs/k8s/argo-application.js";
import { allowNothing } from "../constructs/k8s/namespace-defaults.js";
import {
  INGRESS_GATEWAY_LABELS,
  INGRESS_GATEWAY_SERVICE_ACCOUNT,
  NAMESPACES,
  PROJECTS,
} from "../constructs/k8s/namespaces.js";
import { addTyped } from "../constructs/k8s/typed.js";

/** Namespaces whose workloads run in the mesh. */

/** istiod patches its webhooks' CA bundle and validator failure policy after install. */
const WEBHOOK_DRIFT: IgnoreDifference[] = [
  {
    group: "admissionregistration.k8s.io",
    kind: "ValidatingWebhookConfiguration",
    jqPathExpressions: [".webhooks[]?.clientConfig.caBundle", ".webhooks[]?.failurePolicy"],
  },
  {
    group: "admissionregistration.k8s.io",
    kind: "MutatingWebhookConfiguration",
    jqPathExpressions: [".webhooks[]?.clientConfig.caBundle"],
  },
];

/**
 * Istio, from its upstream charts through Argo CD, plus the mesh-wide security and telemetry
 * defaults: STRICT mTLS, allow-nothing authorization, one access-log Telemetry, and the gateway namespace's defaults.
 */
export class MeshChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { disableResourceNameHashes: true });

    const restricted = {
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/audit": "restricted",
    };
    const namespaces: [string, Record<string, string>][] = [
      [NAMESPACES.istioSystem, {}],
      // The ingress gateway needs no privileges either; the CNI plugin replaces istio-init.
      [NAMESPACES.ingress, { "istio-injection": "enabled", ...restricted }],
      [NAMESPACES.shop, { "istio-injection": "enabled", ...restricted }],
      [NAMESPACES.observability, { "istio-injection": "disabled" }],
      [NAMESPACES.optimizer, { "istio-injection": "disabled", ...restricted }],
    ];
    for (const [name, labels] of namespaces) {
      addTyped(
        this,
        `Namespace-${name}`,
        new Namespace({
          metadata: { name, labels: { "app.kubernetes.io/part-of": "meshpilot", ...labels } },
        }),
      );
    }

    const istio = chartApplications(this, {
      project: PROJECTS.platform,
      namespace: NAMESPACES.istioSystem,
      ignoreDifferences: WEBHOOK_DRIFT,
    });
    istio("istio-base", 0, UPSTREAM_CHARTS.istioBase, { defaultRevision: "default" });
    istio(
      "istio-cni",
      1,
      UPSTREAM_CHARTS.istioCni,
      {
        // Pods need no NET_ADMIN init container, so mesh namespaces can enforce the restricted profile.
        cni: {
          resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        },
      },
      "kube-system",
    );
    istio("istiod", 2, UPSTREAM_CHARTS.istiod, {
      pilot: {
        cni: { enabled: true },
        resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
        autoscaleMin: 2,
      },
      meshConfig: {
        // Only registered destinations (Services, ServiceEntries) are reachable from the mesh.
        outboundTrafficPolicy: { mode: "REGISTRY_ONLY" },
        enablePrometheusMerge: true,
        defaultConfig: { holdApplicationUntilProxyStarts: true },
      },
      global: {
        proxy: {
          resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } },
        },
      },
    });
    istio(
      "istio-ingressgateway",
      3,
      UPSTREAM_CHARTS.istioGateway,
      {
        name: INGRESS_GATEWAY_SERVICE_ACCOUNT,
        labels: { ...INGRESS_GATEWAY_LABELS },
        service: {
          type: "LoadBalancer",
          annotations: {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
          },
        },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2", memory: "1Gi" } },
        autoscaling: { minReplicas: 2, maxReplicas: 6 },
      },
      NAMESPACES.ingress,
    );

    addTyped(
      this,
      "PeerAuthentication",
      new PeerAuthentication({
        metadata: { name: "default", namespace: NAMESPACES.istioSystem },
        spec: { mtls: { mode: "STRICT" } },
      }),
    );
    // Exactly one mesh-wide Telemetry: several in the root namespace would conflict.
    addTyped(
      this,
      "Telemetry",
      new Telemetry({
        metadata: { name: "mesh-default", namespace: NAMESPACES.istioSystem },
        spec: { accessLogging: [{ providers: [{ name: "envoy" }] }] },
      }),
    );
    // The shop's namespace gets its defaults with the shop (ShopChart); the gateway's are here.
    allowNothing(this, NAMESPACES.ingress);
    // The gateway is the one workload the internet may reach; what it forwards is checked again at each service.
    addTyped(
      this,
      "AllowIngressGateway",
      new AuthorizationPolicy({
        metadata: { name: "ingress-gateway", namespace: NAMESPACES.ingress },
        spec: { selector: { matchLabels: { ...INGRESS_GATEWAY_LABELS } }, action: "ALLOW", rules: [{}] },
      }),
    );
  }
}
