/**
 * The optimizer's workload: two replicas under leader election, a restricted pod, least-privilege
 * RBAC, a disruption budget, a ServiceMonitor for its /metrics, and a NetworkPolicy that lets it
 * reach only Prometheus, the API server and DNS.
 */

import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { ApiObject, Duration, JsonPatch, Size } from "cdk8s";
import * as kplus from "cdk8s-plus-27";
import { Construct } from "constructs";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { OPTIMIZER_RUNTIME_ENV } from "../../api/optimizer.js";
import { imageReference } from "./image.js";
import { APP_UID, RESTRICTED_CONTAINER } from "./mesh-service.js";
import { PROMETHEUS_POD_LABELS } from "./namespaces.js";
import { addTyped } from "./typed.js";

export interface OptimizerWorkloadProps {
  readonly namespace: string;
  /** Namespaces whose intents and Istio routing it manages; it gets rights there and nowhere else. */
  readonly managedNamespaces: readonly string[];
  /** Image repository, without tag. */
  readonly image: string;
  /** An explicit tag; never "latest". */
  readonly imageTag: string;
  /** The digest to pull (`sha256:…`), as the registry reported on push; without it the tag is pulled. */
  readonly imageDigest?: string;
  /** Where Prometheus runs: its namespace (its pods carry the standard labels). */
  readonly prometheusNamespace: string;
  /** The API server's private endpoints (EKS puts them in the VPC): the only other egress. */
  readonly apiServerCidr: string;
  /** @default 30 */
  readonly intervalSeconds?: number;
  /**
   * The HorizontalPodAutoscalers whose minReplicas the optimizer may set (intents' spec.autoscaling),
   * by namespace: patch is granted on these names only.
   * @default none: HPAs are read, never written
   */
  readonly autoscaledHpas?: Readonly<Record<string, readonly string[]>>;
  /**
   * The HPAs whose minReplicas an AIOpsPolicy in act mode may raise (its services'
   * horizontalPodAutoscaler), by namespace: patch is granted on these names only.
   * @default none: the AIOps layer never scales
   */
  readonly aiopsScalableHpas?: Readonly<Record<string, readonly string[]>>;
  /**
   * Namespaces where an AIOpsPolicy in act mode may restart a pod, through the Eviction API (a
   * PodDisruptionBudget still applies).
   * @default none: the AIOps layer never restarts a pod
   */
  readonly aiopsEvictionNamespaces?: readonly string[];
  /**
   * Where the AIOps layer POSTs each incident in Alertmanager's webhook format (anything that takes
   * Alertmanager's webhooks, such as a chat relay), and the pods behind it: egress is opened to those pods on that port only.
   * @default none: incidents go to Events and the policy's status only
   */
  readonly aiopsWebhook?: Endpoint;
  /**
   * Loki, where the AIOps layer reads an incident's logs (LogQL) for its template evidence, and the
   * pods behind the URL (Loki's gateway): egress is opened to those pods on that port only.
   * @default none: summaries carry no log evidence
   */
  readonly aiopsLoki?: Endpoint;
  /**
   * The Argo CD Application whose sync history ties the AIOps layer's recent changes to Git
   * revisions (and its revert proposals to the exact one). The right to read it is granted apart,
   * by `ArgoApplicationReader`, in the Application's namespace, which in a GitOps tree usually
   * belongs to another project than the optimizer's.
   * @default none: changes are dated but carry no revision
   */
  readonly aiopsArgoApplication?: { readonly namespace: string; readonly name: string };
  /** Labels a Prometheus operator's ServiceMonitor selector needs, if any. */
  readonly serviceMonitorLabels?: Readonly<Record<string, string>>;
}

/** A service the optimizer calls: its URL, and the pods and port behind it that egress may reach. */
export interface Endpoint {
  readonly url: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  /** The pods' port (a NetworkPolicy sees the pod's port, not the Service's). */
  readonly port: number;
}

export const OPTIMIZER_NAME = "meshpilot-optimizer";
const STATE_CONFIGMAP = "meshpilot-optimizer-state";
const METRICS_PORT = 8080;

export { OPTIMIZER_RUNTIME_ENV };

export class OptimizerWorkload extends Construct {
  readonly deployment: kplus.Deployment;

  constructor(scope: Construct, id: string, props: OptimizerWorkloadProps) {
    super(scope, id);
    if (props.managedNamespaces.length === 0)
      throw new Error(
        `OptimizerWorkload: 'managedNamespaces' is empty; name at least one namespace to optimize`,
      );
    checkEndpoint("aiopsWebhook", props.aiopsWebhook, "http://chat-relay.monitoring.svc:8080/hook");
    checkEndpoint("aiopsLoki", props.aiopsLoki, "http://loki-gateway.observability.svc.cluster.local");
    checkApplication(props.aiopsArgoApplication);
    const image = imageReference("OptimizerWorkload", props.image, props.imageTag, props.imageDigest);
    const ns = props.namespace;
    const labels = { "app.kubernetes.io/name": OPTIMIZER_NAME, "app.kubernetes.io/part-of": "meshpilot" };
    const meta = (name: string, namespace = ns) => ({ name, namespace, labels });

    // The token is mounted: the optimizer talks to the API server, with the rights below only.
    const serviceAccount = new kplus.ServiceAccount(this, "ServiceAccount", {
      metadata: meta(OPTIMIZER_NAME),
      automountToken: false,
    });
    this.rbac(props, meta);

    const probe = (path: string) =>
      kplus.Probe.fromHttpGet(path, {
        port: METRICS_PORT,
        periodSeconds: Duration.seconds(10),
        timeoutSeconds: Duration.seconds(2),
      });
    this.deployment = new kplus.Deployment(this, "Deployment", {
      metadata: meta(OPTIMIZER_NAME),
      // `app` only on the pods, not in the selector (immutable on a live Deployment): Istio's
      // telemetry, Kiali and the log pipeline key on it.
      podMetadata: { labels: { ...labels, app: OPTIMIZER_NAME } },
      // Two replicas: one leads and writes, the other keeps its caches and policies warm.
      replicas: 2,
      select: false,
      spread: false,
      serviceAccount,
      automountServiceAccountToken: true,
      securityContext: { ensureNonRoot: true, user: APP_UID, group: APP_UID, fsGroup: APP_UID },
      terminationGracePeriod: Duration.seconds(30),
      containers: [
        {
          name: "optimizer",
          image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          portNumber: METRICS_PORT,
          envVariables: {
            PROMETHEUS_URL: kplus.EnvValue.fromValue(
              `http://prometheus-operated.${props.prometheusNamespace}.svc:9090`,
            ),
            MANAGED_NAMESPACES: kplus.EnvValue.fromValue([...props.managedNamespaces].join(",")),
            POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
            POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
            INTERVAL_SECONDS: kplus.EnvValue.fromValue(String(props.intervalSeconds ?? 30)),
            STATE_CONFIGMAP: kplus.EnvValue.fromValue(STATE_CONFIGMAP),
            LEASE_NAME: kplus.EnvValue.fromValue(OPTIMIZER_NAME),
            PRETRAINED_TABLE: kplus.EnvValue.fromValue("/app/q-table.json"),
            PORT: kplus.EnvValue.fromValue(String(METRICS_PORT)),
            ...(props.aiopsWebhook !== undefined
              ? { AIOPS_WEBHOOK_URL: kplus.EnvValue.fromValue(props.aiopsWebhook.url) }
              : {}),
            ...(props.aiopsLoki !== undefined
              ? { AIOPS_LOKI_URL: kplus.EnvValue.fromValue(props.aiopsLoki.url) }
              : {}),
            ...(props.aiopsArgoApplication !== undefined
              ? {
                  AIOPS_ARGOCD_APPLICATION: kplus.EnvValue.fromValue(
                    `${props.aiopsArgoApplication.namespace}/${props.aiopsArgoApplication.name}`,
                  ),
                }
              : {}),
            ...Object.fromEntries(
              Object.entries(OPTIMIZER_RUNTIME_ENV).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)]),
            ),
          },
          readiness: probe("/readyz"),
          liveness: probe("/healthz"),
          startup: probe("/healthz"),
          resources: {
            cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
            // Above the resident set the speed benchmark measures for 500 intents (docs/BENCHMARKS.md).
            memory: { request: Size.mebibytes(192), limit: Size.mebibytes(256) },
          },
          securityContext: RESTRICTED_CONTAINER,
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels }));
    const api = ApiObject.of(this.deployment);
    api.metadata.addAnnotation(
      "meshpilot.io/fixed-replicas-reason",
      "leader election: one replica writes, one stands by; more replicas add nothing",
    );
    api.addJsonPatch(
      JsonPatch.add("/spec/template/spec/containers/0/securityContext/capabilities", { drop: ["ALL"] }),
    );
    api.addJsonPatch(
      JsonPatch.add("/spec/template/spec/securityContext/seccompProfile", { type: "RuntimeDefault" }),
    );

    addTyped(
      this,
      "Disruption",
      new PodDisruptionBudget({
        metadata: meta(OPTIMIZER_NAME),
        spec: { minAvailable: 1, selector: { matchLabels: labels } },
      }),
    );
    const service = new kplus.Service(this, "Service", {
      metadata: meta(OPTIMIZER_NAME),
      ports: [{ name: "http-metrics", port: METRICS_PORT, targetPort: METRICS_PORT }],
      selector: this.deployment,
    });
    void service;
    addTyped(
      this,
      "ServiceMonitor",
      new ServiceMonitor({
        metadata: { ...meta(OPTIMIZER_NAME), labels: { ...labels, ...props.serviceMonitorLabels } },
        spec: {
          selector: { matchLabels: labels },
          endpoints: [{ port: "http-metrics", path: "/metrics", interval: "30s" }],
        },
      }),
    );
    this.networkPolicy(props, meta(OPTIMIZER_NAME), labels);
  }

  /** Rights only where needed, only the verbs used. */
  private rbac(props: OptimizerWorkloadProps, meta: (name: string, namespace?: string) => object): void {
    const subject = { kind: "ServiceAccount", name: OPTIMIZER_NAME, namespace: props.namespace };
    const bind = (id: string, namespace: string, rules: object[]) => {
      addTyped(this, `Role-${id}`, new Role({ metadata: meta(OPTIMIZER_NAME, namespace), rules } as never));
      addTyped(
        this,
        `RoleBinding-${id}`,
        new RoleBinding({
          metadata: meta(OPTIMIZER_NAME, namespace),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: OPTIMIZER_NAME },
          subjects: [subject],
        } as never),
      );
    };
    for (const namespace of props.managedNamespaces) {
      bind(namespace, namespace, [
        // Server-side apply is a patch; the informers list and watch.
        {
          apiGroups: ["networking.istio.io"],
          resources: ["virtualservices", "destinationrules"],
          verbs: ["get", "list", "watch", "patch"],
        },
        // The hedging and least-request filters are created by apply and deleted when they stop.
        {
          apiGroups: ["networking.istio.io"],
          resources: ["envoyfilters"],
          verbs: ["get", "list", "watch", "patch", "create", "delete"],
        },
        // The quarantine lane: read a pod, then merge-patch its lane label. No list, watch, create
        // or delete: the optimizer names the pods its telemetry reports and touches nothing else.
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "patch"] },
        // patch: to add and remove the finalizer that makes deleting an intent wait for the restore,
        // and, for AIOps act mode, its own entries in the routing-overrides annotation.
        {
          apiGroups: ["optimizer.meshpilot.io"],
          resources: ["trafficintents"],
          verbs: ["get", "list", "watch", "patch"],
        },
        { apiGroups: ["optimizer.meshpilot.io"], resources: ["trafficintents/status"], verbs: ["patch"] },
        // The AIOps layer reads its policies and writes only their status (observe mode: it
        // changes nothing else; its Events go through the events rule above).
        {
          apiGroups: ["optimizer.meshpilot.io"],
          resources: ["aiopspolicies"],
          verbs: ["get", "list", "watch"],
        },
        { apiGroups: ["optimizer.meshpilot.io"], resources: ["aiopspolicies/status"], verbs: ["patch"] },
        // Predictive autoscaling reads every HPA (an informer lists and watches; an HPA it wrote
        // and nothing acts on any more is restored from what it finds) and patches only those the
        // tree's intents name.
        {
          apiGroups: ["autoscaling"],
          resources: ["horizontalpodautoscalers"],
          verbs: ["get", "list", "watch"],
        },
        ...((props.autoscaledHpas?.[namespace] ?? []).length > 0
          ? [
              {
                apiGroups: ["autoscaling"],
                resources: ["horizontalpodautoscalers"],
                verbs: ["patch"],
                resourceNames: [...(props.autoscaledHpas?.[namespace] ?? [])].sort(),
              },
            ]
          : []),
        // The AIOps layer's recent changes: new and changed Deployments, listed, never watched or written.
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["list"] },
        ...this.aiopsRules(props, namespace),
        { apiGroups: [""], resources: ["events"], verbs: ["create"] },
      ]);
    }
    bind("self", props.namespace, [
      // create cannot be limited by name; get and update are limited to its own Lease and ConfigMap.
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: [OPTIMIZER_NAME],
        verbs: ["get", "update"],
      },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
      {
        apiGroups: [""],
        resources: ["configmaps"],
        resourceNames: [STATE_CONFIGMAP],
        verbs: ["get", "update"],
      },
    ]);
  }

  /** What AIOps act mode may change, only where the props grant it. */
  private aiopsRules(props: OptimizerWorkloadProps, namespace: string): object[] {
    const hpas = [...(props.aiopsScalableHpas?.[namespace] ?? [])].sort();
    return [
      ...(hpas.length > 0
        ? [
            {
              apiGroups: ["autoscaling"],
              resources: ["horizontalpodautoscalers"],
              verbs: ["patch"],
              resourceNames: hpas,
            },
          ]
        : []),
      ...((props.aiopsEvictionNamespaces ?? []).includes(namespace)
        ? [{ apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] }]
        : []),
    ];
  }

  private networkPolicy(
    props: OptimizerWorkloadProps,
    metadata: object,
    labels: Record<string, string>,
  ): void {
    addTyped(
      this,
      "NetworkPolicy",
      new NetworkPolicy({
        metadata: metadata as never,
        spec: {
          podSelector: { matchLabels: labels },
          policyTypes: ["Ingress", "Egress"],
          // Only Prometheus scrapes it.
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": props.prometheusNamespace },
                  },
                  podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } },
                },
              ],
              ports: [{ protocol: "TCP", port: METRICS_PORT }],
            },
          ],
          egress: [
            {
              to: [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": props.prometheusNamespace },
                  },
                  podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } },
                },
              ],
              ports: [{ protocol: "TCP", port: 9090 }],
            },
            { to: [{ ipBlock: { cidr: props.apiServerCidr } }], ports: [{ protocol: "TCP", port: 443 }] },
            // The incident webhook's receiver and Loki, each only when named, only its pods and port.
            ...[props.aiopsWebhook, props.aiopsLoki].flatMap((e) =>
              e === undefined
                ? []
                : [
                    {
                      to: [
                        {
                          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": e.namespace } },
                          podSelector: { matchLabels: { ...e.podLabels } },
                        },
                      ],
                      ports: [{ protocol: "TCP" as const, port: e.port }],
                    },
                  ],
            ),
            // Resolving Prometheus's service name needs the cluster DNS, and nothing else from kube-system.
            {
              to: [
                {
                  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                },
              ],
              ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
              ],
            },
          ],
        },
      }),
    );
  }
}

function checkApplication(app: OptimizerWorkloadProps["aiopsArgoApplication"]): void {
  if (app === undefined) return;
  for (const field of ["namespace", "name"] as const)
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(app[field]))
      throw new Error(
        `OptimizerWorkload: 'aiopsArgoApplication.${field}' is '${app[field]}' but must be a DNS label, e.g. { namespace: "argocd", name: "shop" }`,
      );
}

function checkEndpoint(prop: string, w: Endpoint | undefined, example: string): void {
  if (w === undefined) return;
  let url: URL | undefined;
  try {
    url = new URL(w.url);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:"))
    throw new Error(
      `OptimizerWorkload: '${prop}.url' is '${w.url}' but must be an http(s) URL, e.g. ${example}`,
    );
  if (!Number.isInteger(w.port) || w.port < 1 || w.port > 65535)
    throw new Error(`OptimizerWorkload: '${prop}.port' is ${w.port} but must be a port from 1 to 65535`);
  if (Object.keys(w.podLabels).length === 0)
    throw new Error(
      `OptimizerWorkload: '${prop}.podLabels' is {} but must name the pods behind the URL; an empty selector would open egress to every pod of the namespace`,
    );
}
