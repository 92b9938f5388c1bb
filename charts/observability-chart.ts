import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { ENVOY_SCRAPE_INTERVAL_SECONDS } from "../api/optimizer.js";
import { type EnvironmentConfig, lokiBucketName } from "../config/environments.js";
import type { ShopService } from "../config/shop.js";
import { UPSTREAM_CHARTS } from "../config/upstream-charts.js";
import { alertmanagerConfig, receiverSecrets } from "../constructs/k8s/alert-routing.js";
import { chartApplications } from "../constructs/k8s/argo-application.js";
import { overviewDashboard, serviceDashboard } from "../constructs/k8s/dashboards.js";
import { METRICS_PORT_NAME } from "../constructs/k8s/mesh-service.js";
import { NAMESPACES, PROJECTS } from "../constructs/k8s/namespaces.js";
import {
  checkoutRecoveryRules,
  objectiveRules,
  recordingRules,
  sloAlertRules,
} from "../constructs/k8s/slo-rules.js";
import { addTyped } from "../constructs/k8s/typed.js";

export interface ObservabilityChartProps {
  readonly env: EnvironmentConfig;
  readonly services: readonly ShopService[];
}

/** Label the Grafana sidecar watches for dashboards. */
export const DASHBOARD_LABEL = "grafana_dashboard";
/**
 * Loki's gateway as its upstream chart runs it (nginx, unprivileged on 8080, behind the Service's
 * port 80): Alloy pushes through it, Grafana and the optimizer's AIOps layer query through it.
 */
export const LOKI_GATEWAY = {
  url: `http://loki-gateway.${NAMESPACES.observability}.svc.cluster.local`,
  namespace: NAMESPACES.observability,
  podLabels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/component": "gateway" },
  port: 8080,
} as const;
const LOKI_PUSH = `${LOKI_GATEWAY.url}/loki/api/v1/push`;

const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({
  requests: { cpu, memory },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

/** Alloy tails pod logs through the API server (no hostPath) and pushes them to Loki. */
const ALLOY_CONFIG = `discovery.kubernetes "pods" {
  role = "pod"
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app"]
    target_label  = "app"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_label_version"]
    target_label  = "version"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pods.output
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "${LOKI_PUSH}"
  }
}
`;

/**
 * Prometheus, Grafana, Loki and Alloy from their upstream charts, plus what makes them ours:
 * monitors for Envoy and istiod, SLO recording and alerting rules, and dashboards.
 */
export class ObservabilityChart extends Chart {
  constructor(scope: Construct, id: string, props: ObservabilityChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { env, services } = props;
    const ns = NAMESPACES.observability;
    const app = chartApplications(this, { project: PROJECTS.platform, namespace: ns });

    const replicas = env.monitoring?.prometheusReplicas ?? 1;
    const receivers = env.monitoring?.alertReceivers;
    app("kube-prometheus-stack", 0, UPSTREAM_CHARTS.kubePrometheusStack, {
      crds: { enabled: true },
      // EKS runs these on its managed control plane, where nothing in the cluster can scrape them;
      // left on, they are permanently down targets and their alerts page for nothing.
      kubeControllerManager: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeEtcd: { enabled: false },
      prometheus: {
        prometheusSpec: {
          // Each replica scrapes everything; Alertmanager deduplicates their alerts.
          replicas,
          // Select every monitor and rule in the cluster, not only the chart's own.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          retention: "15d",
          resources: resources("500m", "2Gi", "2", "4Gi"),
          storageSpec: {
            volumeClaimTemplate: {
              spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } },
            },
          },
        },
      },
      alertmanager: {
        config: alertmanagerConfig(receivers),
        alertmanagerSpec: {
          // As many as Prometheus: the replicas gossip, so one notification goes out per alert.
          replicas,
          secrets: receiverSecrets(receivers),
          resources: resources("50m", "64Mi", "200m", "256Mi"),
        },
      },
      grafana: {
        admin: { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" },
        "grafana.ini": { "auth.anonymous": { enabled: false }, users: { allow_sign_up: false } },
        sidecar: {
          dashboards: { enabled: true, label: DASHBOARD_LABEL, labelValue: "1", searchNamespace: ns },
          datasources: { enabled: true },
        },
        additionalDataSources: [
          {
            name: "Loki",
            type: "loki",
            uid: "loki",
            access: "proxy",
            url: LOKI_GATEWAY.url,
          },
        ],
        resources: resources("100m", "256Mi", "1", "512Mi"),
      },
    });
    app("loki", 1, UPSTREAM_CHARTS.loki, {
      deploymentMode: "SingleBinary",
      loki: {
        auth_enabled: false,
        commonConfig: { replication_factor: 1 },
        schemaConfig: {
          configs: [
            {
              from: "2026-01-01",
              store: "tsdb",
              object_store: "s3",
              schema: "v13",
              index: { prefix: "loki_index_", period: "24h" },
            },
          ],
        },
        // The bucket and the role come from the AWS stack (LokiStorage); Pod Identity binds the role to this service account.
        storage: {
          type: "s3",
          bucketNames: {
            chunks: lokiBucketName(env),
            ruler: lokiBucketName(env),
            admin: lokiBucketName(env),
          },
          s3: { region: env.region },
        },
        limits_config: { retention_period: "720h" },
        compactor: { retention_enabled: true, delete_request_store: "s3" },
      },
      serviceAccount: { create: true, name: "loki" },
      singleBinary: { replicas: 1, resources: resources("200m", "512Mi", "1", "2Gi") },
      read: { replicas: 0 },
      write: { replicas: 0 },
      backend: { replicas: 0 },
      chunksCache: { enabled: false },
      resultsCache: { enabled: false },
      minio: { enabled: false },
    });
    app("alloy", 2, UPSTREAM_CHARTS.alloy, {
      controller: { type: "deployment", replicas: 1 },
      alloy: { configMap: { content: ALLOY_CONFIG }, resources: resources("100m", "128Mi", "500m", "512Mi") },
    });

    addTyped(
      this,
      "EnvoyPodMonitor",
      new PodMonitor({
        metadata: { name: "envoy-stats", namespace: ns },
        spec: {
          namespaceSelector: { matchNames: [NAMESPACES.shop, NAMESPACES.ingress] },
          selector: { matchExpressions: [{ key: "security.istio.io/tlsMode", operator: "Exists" }] },
          podMetricsEndpoints: [
            {
              port: "http-envoy-prom",
              path: "/stats/prometheus",
              interval: `${ENVOY_SCRAPE_INTERVAL_SECONDS}s`,
            },
          ],
        },
      }),
    );
    // The shop's own metrics (request durations by route, the checkout saga's recovery gauge), on
    // each app's metrics port, which no Service exposes.
    addTyped(
      this,
      "ShopPodMonitor",
      new PodMonitor({
        metadata: { name: "shop-app-metrics", namespace: ns },
        spec: {
          namespaceSelector: { matchNames: [NAMESPACES.shop] },
          selector: { matchLabels: { "app.kubernetes.io/part-of": "meshpilot-shop" } },
          podMetricsEndpoints: [{ port: METRICS_PORT_NAME, path: "/metrics", interval: "30s" }],
        },
      }),
    );
    addTyped(
      this,
      "IstiodServiceMonitor",
      new ServiceMonitor({
        metadata: { name: "istiod", namespace: ns },
        spec: {
          namespaceSelector: { matchNames: [NAMESPACES.istioSystem] },
          selector: { matchLabels: { app: "istiod" } },
          endpoints: [{ port: "http-monitoring", interval: "30s" }],
        },
      }),
    );
    addTyped(
      this,
      "ShopRules",
      new PrometheusRule({
        metadata: { name: "shop-slo", namespace: ns },
        spec: {
          groups: [
            recordingRules(NAMESPACES.shop),
            sloAlertRules(services),
            checkoutRecoveryRules(),
            objectiveRules(NAMESPACES.shop, services),
          ] as never,
        },
      }),
    );

    const dashboards: [string, object][] = [
      ["meshpilot-overview", overviewDashboard()],
      ["meshpilot-service", serviceDashboard()],
    ];
    for (const [name, dashboard] of dashboards) {
      addTyped(
        this,
        `Dashboard-${name}`,
        new ConfigMap({
          metadata: { name: `dashboard-${name}`, namespace: ns, labels: { [DASHBOARD_LABEL]: "1" } },
          data: { [`${name}.json`]: `${JSON.stringify(dashboard, null, 2)}\n` },
        }),
      );
    }
  }
}
