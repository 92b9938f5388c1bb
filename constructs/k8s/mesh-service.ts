import { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1/DestinationRule";
import { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1/VirtualService";
import { AuthorizationPolicy } from "@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy";
import { ApiObject, Duration, JsonPatch, Size } from "cdk8s";
import * as kplus from "cdk8s-plus-27";
import { Construct } from "constructs";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import {
  LANE_LABEL,
  LANE_QUARANTINE,
  LANE_SERVING,
  LANE_SUBSET,
  SAFE_RETRY_ON,
} from "../../api/optimizer.js";
import type { Resources, ServiceLevelObjective, ServiceVersion } from "../../config/shop.js";
import { imageReference } from "./image.js";
import {
  INGRESS_GATEWAY_LABELS,
  INGRESS_GATEWAY_SERVICE_ACCOUNT,
  NAMESPACES,
  PROMETHEUS_POD_LABELS,
} from "./namespaces.js";
import { addTyped } from "./typed.js";

/** A secret value the container reads from the environment; the Secret itself lives outside Git. */
export interface SecretEnv {
  readonly variable: string;
  readonly secretName: string;
  readonly key: string;
}

/** An image one version runs: its tag and, pinned, its digest. */
export interface VersionImage {
  readonly imageTag: string;
  readonly imageDigest?: string;
}

export interface MeshServiceProps {
  readonly name: string;
  readonly namespace: string;
  readonly port: number;
  /** Image repository without tag, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/meshpilot/cart`. */
  readonly image: string;
  /** Explicit tag; never `latest`. */
  readonly imageTag: string;
  /** The digest to pull (`sha256:…`), as the registry reported on push; without it the tag is pulled. */
  readonly imageDigest?: string;
  readonly versions: readonly ServiceVersion[];
  /**
   * Versions that keep an earlier image instead of `imageTag`/`imageDigest`, by version name: a
   * rollout's stable subset runs what was last promoted while the canary runs the new release.
   * @default every version runs `imageTag`
   */
  readonly versionImages?: Readonly<Record<string, VersionImage>>;
  readonly resources: Resources;
  /** Autoscaling bounds per version. */
  readonly replicas: { readonly min: number; readonly max: number };
  readonly slo: ServiceLevelObjective;
  /** Services (by service account, in this namespace) allowed to call this one. */
  readonly callers: readonly string[];
  /** Also reachable from the ingress gateway. */
  readonly public?: boolean;
  /** Non-secret settings, rendered into the service's ConfigMap. */
  readonly settings: Record<string, string>;
  /** @default none */
  readonly secrets?: readonly SecretEnv[];
  /**
   * Average CPU utilization the autoscaler aims for, percent.
   * @default 70
   */
  readonly targetCpuUtilization?: number;
  /**
   * The port the app serves its own Prometheus metrics on, apart from `port`. It is named
   * `http-metrics` for a PodMonitor, kept out of the Service (so no route reaches it), left to
   * the app by the sidecar (Prometheus is outside the mesh), and open only to Prometheus.
   * @default none: only Envoy's metrics are scraped
   */
  readonly metricsPort?: number;
}

/** UID and GID the shop images run as (see services/Dockerfile). */
export const APP_UID = 10001;

/** The container security context of every Meshpilot workload: the restricted Pod Security profile. */
export const RESTRICTED_CONTAINER: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  user: APP_UID,
  group: APP_UID,
};
/** The name of an app's own metrics port, which the shop's PodMonitor scrapes. */
export const METRICS_PORT_NAME = "http-metrics";

/** Envoy's Prometheus endpoint (`http-envoy-prom`) on every sidecar-injected pod: Istio's standard metrics. */
export const ENVOY_METRICS_PORT = 15090;

/**
 * One shop service as the mesh sees it: a Deployment per version with its autoscaler and
 * disruption budget, a Service, a ConfigMap, a NetworkPolicy and Istio authorization, routing
 * and traffic policy.
 *
 * Pods run under the restricted Pod Security profile; only the service's own callers reach it.
 */
/** A version's Deployment, HorizontalPodAutoscaler and PodDisruptionBudget share this name. */
export function versionWorkloadName(service: string, version: string): string {
  return `${service}-${version}`;
}

export class MeshService extends Construct {
  readonly deployments: kplus.Deployment[] = [];
  readonly virtualService: ApiObject;
  readonly destinationRule: ApiObject;
  readonly host: string;

  constructor(scope: Construct, id: string, props: MeshServiceProps) {
    super(scope, id);
    const { name, namespace, port } = props;
    this.host = `${name}.${namespace}.svc.cluster.local`;
    const common = {
      "app.kubernetes.io/name": name,
      "app.kubernetes.io/part-of": "meshpilot-shop",
      "app.kubernetes.io/managed-by": "meshpilot",
    };
    const meta = (resourceName: string, labels: Record<string, string> = {}) => ({
      name: resourceName,
      namespace,
      labels: { app: name, ...common, ...labels },
    });

    const serviceAccount = new kplus.ServiceAccount(this, "ServiceAccount", {
      metadata: meta(name),
      automountToken: false,
    });
    const config = new kplus.ConfigMap(this, "Config", {
      metadata: meta(`${name}-config`),
      data: props.settings,
    });

    const versionNames = props.versions.map((v) => v.name);
    for (const held of Object.keys(props.versionImages ?? {}))
      if (!versionNames.includes(held))
        throw new Error(
          `MeshService ${name}: 'versionImages.${held}' names no version of the service; its versions are ${versionNames.join(", ")}`,
        );
    for (const version of props.versions) {
      const labels = { app: name, version: version.name };
      const image: VersionImage = props.versionImages?.[version.name] ?? props;
      const deployment = new kplus.Deployment(this, `Deployment-${version.name}`, {
        metadata: meta(versionWorkloadName(name, version.name), {
          version: version.name,
          "app.kubernetes.io/version": image.imageTag,
        }),
        // The lane label is the optimizer's to change on a pod; it is in no selector but the subsets'.
        podMetadata: {
          labels: {
            ...labels,
            ...common,
            "app.kubernetes.io/version": image.imageTag,
            [LANE_LABEL]: LANE_SERVING,
          },
          ...(props.metricsPort !== undefined
            ? { annotations: { "traffic.sidecar.istio.io/excludeInboundPorts": String(props.metricsPort) } }
            : {}),
        },
        select: false,
        spread: false,
        serviceAccount,
        automountServiceAccountToken: false,
        securityContext: { ensureNonRoot: true, user: APP_UID, group: APP_UID, fsGroup: APP_UID },
        strategy: kplus.DeploymentStrategy.rollingUpdate({
          maxSurge: kplus.PercentOrAbsolute.absolute(1),
          maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
        }),
        terminationGracePeriod: Duration.seconds(30),
        containers: [this.container(props, image, config)],
      });
      deployment.select(kplus.LabelSelector.of({ labels }));
      this.hardenPodSpec(deployment, labels);
      this.deployments.push(deployment);

      new kplus.HorizontalPodAutoscaler(this, `Autoscaler-${version.name}`, {
        metadata: meta(versionWorkloadName(name, version.name), { version: version.name }),
        target: deployment,
        minReplicas: props.replicas.min,
        maxReplicas: props.replicas.max,
        metrics: [
          kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(props.targetCpuUtilization ?? 70)),
        ],
      });
      addTyped(
        this,
        `Disruption-${version.name}`,
        new PodDisruptionBudget({
          metadata: meta(versionWorkloadName(name, version.name), { version: version.name }),
          spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
        }),
      );
    }

    const service = new kplus.Service(this, "Service", {
      metadata: meta(name),
      ports: [{ name: "http", port, targetPort: port }],
    });
    service.selectLabel("app", name);

    this.networkPolicy(props, meta);
    this.authorizationPolicy(props, meta);

    const perTryMs = Math.max(2 * props.slo.p99LatencyMs, 100);
    this.destinationRule = addTyped(
      this,
      "DestinationRule",
      new DestinationRule({
        metadata: meta(name),
        spec: {
          host: this.host,
          trafficPolicy: {
            loadBalancer: { simple: "LEAST_REQUEST" },
            connectionPool: {
              tcp: { maxConnections: 200, connectTimeout: "2s" },
              http: { http1MaxPendingRequests: 200, http2MaxRequests: 1000, idleTimeout: "60s" },
            },
            outlierDetection: {
              consecutive5xxErrors: 5,
              interval: "10s",
              baseEjectionTime: "30s",
              maxEjectionPercent: 50,
            },
          },
          // A version's subset is its serving pods; the lane subset is the pods the optimizer
          // quarantined, which only mirrored probes reach.
          subsets: [
            ...props.versions.map((v) => ({
              name: v.name,
              labels: { version: v.name, [LANE_LABEL]: LANE_SERVING },
            })),
            { name: LANE_SUBSET, labels: { [LANE_LABEL]: LANE_QUARANTINE } },
          ],
        },
      }),
    );
    this.virtualService = addTyped(
      this,
      "VirtualService",
      new VirtualService({
        metadata: meta(name),
        spec: {
          hosts: [name],
          http: [
            {
              name: "default",
              route: props.versions.map((v) => ({
                destination: { host: this.host, subset: v.name, port: { number: port } },
                weight: v.weight,
              })),
              // Retry only what never reached the application: safe for non-idempotent calls too.
              retries: {
                attempts: 2,
                perTryTimeout: `${perTryMs}ms`,
                retryOn: SAFE_RETRY_ON,
              },
              timeout: `${Math.min(Math.max(3 * perTryMs, 1000), 15000)}ms`,
            },
          ],
        },
      }),
    );
  }

  private container(
    props: MeshServiceProps,
    image: VersionImage,
    config: kplus.ConfigMap,
  ): kplus.ContainerProps {
    const probe = (path: string, failureThreshold: number) =>
      kplus.Probe.fromHttpGet(path, {
        port: props.port,
        periodSeconds: Duration.seconds(5),
        timeoutSeconds: Duration.seconds(2),
        failureThreshold,
      });
    const tmp = kplus.Volume.fromEmptyDir(this, `Tmp-${this.deployments.length}`, "tmp", {
      sizeLimit: Size.mebibytes(64),
    });
    return {
      name: "app",
      image: imageReference(`MeshService ${props.name}`, props.image, image.imageTag, image.imageDigest),
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      portNumber: props.port,
      ...(props.metricsPort !== undefined
        ? { ports: [{ number: props.metricsPort, name: METRICS_PORT_NAME, protocol: kplus.Protocol.TCP }] }
        : {}),
      envFrom: [kplus.Env.fromConfigMap(config)],
      envVariables: Object.fromEntries(
        (props.secrets ?? []).map((s, i) => [
          s.variable,
          kplus.EnvValue.fromSecretValue({
            secret: kplus.Secret.fromSecretName(this, `Secret-${this.deployments.length}-${i}`, s.secretName),
            key: s.key,
          }),
        ]),
      ),
      readiness: probe("/readyz", 3),
      liveness: probe("/healthz", 3),
      // Up to a minute to start (migrations, cache warm-up) before liveness takes over.
      startup: probe("/healthz", 12),
      resources: {
        cpu: {
          request: kplus.Cpu.millis(props.resources.cpuMillis.request),
          limit: kplus.Cpu.millis(props.resources.cpuMillis.limit),
        },
        memory: {
          request: Size.mebibytes(props.resources.memoryMiB.request),
          limit: Size.mebibytes(props.resources.memoryMiB.limit),
        },
      },
      securityContext: RESTRICTED_CONTAINER,
      volumeMounts: [{ path: "/tmp", volume: tmp }],
    };
  }

  /** What cdk8s-plus-27 cannot express: dropped capabilities, seccomp, and zone spreading. */
  private hardenPodSpec(deployment: kplus.Deployment, labels: Record<string, string>): void {
    const api = ApiObject.of(deployment);
    api.addJsonPatch(
      JsonPatch.add("/spec/template/spec/containers/0/securityContext/capabilities", { drop: ["ALL"] }),
    );
    api.addJsonPatch(
      JsonPatch.add("/spec/template/spec/securityContext/seccompProfile", { type: "RuntimeDefault" }),
    );
    api.addJsonPatch(
      JsonPatch.add("/spec/template/spec/topologySpreadConstraints", [
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: labels },
        },
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: labels },
        },
      ]),
    );
  }

  /** Default deny is namespace-wide; this admits exactly the callers, the gateway and Prometheus. */
  private networkPolicy(props: MeshServiceProps, meta: (n: string) => object): void {
    const peers: { from: object[]; ports: object[] }[] = [];
    if (props.callers.length > 0) {
      peers.push({
        from: [
          {
            podSelector: {
              matchExpressions: [{ key: "app", operator: "In", values: [...props.callers].sort() }],
            },
          },
        ],
        ports: [{ protocol: "TCP", port: props.port }],
      });
    }
    if (props.public) {
      peers.push({
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NAMESPACES.ingress } },
            podSelector: { matchLabels: { ...INGRESS_GATEWAY_LABELS } },
          },
        ],
        ports: [{ protocol: "TCP", port: props.port }],
      });
    }
    peers.push({
      from: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NAMESPACES.observability } },
          podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } },
        },
      ],
      ports: [ENVOY_METRICS_PORT, ...(props.metricsPort !== undefined ? [props.metricsPort] : [])].map(
        (port) => ({
          protocol: "TCP",
          port,
        }),
      ),
    });
    // A typed model rather than cdk8s-plus's NetworkPolicy: peers here span namespaces and label sets
    // exactly, and the graph test reads these rules back.
    addTyped(
      this,
      "NetworkPolicy",
      new NetworkPolicy({
        metadata: meta(props.name) as never,
        spec: {
          podSelector: { matchLabels: { app: props.name } },
          policyTypes: ["Ingress"],
          ingress: peers as never,
        },
      }),
    );
  }

  /** ALLOW only the callers' mTLS identities (and the gateway's, for a public service). */
  private authorizationPolicy(props: MeshServiceProps, meta: (n: string) => object): void {
    const principals = [...props.callers].sort().map((c) => `cluster.local/ns/${props.namespace}/sa/${c}`);
    if (props.public)
      principals.push(`cluster.local/ns/${NAMESPACES.ingress}/sa/${INGRESS_GATEWAY_SERVICE_ACCOUNT}`);
    addTyped(
      this,
      "AuthorizationPolicy",
      new AuthorizationPolicy({
        metadata: meta(props.name) as never,
        spec: {
          selector: { matchLabels: { app: props.name } },
          action: "ALLOW",
          rules: principals.length > 0 ? [{ from: [{ source: { principals } }] }] : [],
        },
      }),
    );
  }
}
