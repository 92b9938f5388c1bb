/**
 * Wires the optimizer together: Kubernetes clients, leader election, the Prometheus source, the
 * reconciler, state persistence, the audit trail and the HTTP endpoint for /metrics, /healthz
 * and /readyz. `controller/main.ts` runs it in a pod; tests run it against the API double.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { Writable } from "node:stream";
import { OPTIMIZER_FIELD_MANAGER } from "../api/optimizer.js";
import { createRemediationActuator } from "./actuator/remediation-factory.js";
import { ChangeLog, routingChange } from "./aiops/change-log.js";
import { HttpSummarizer, WebhookSender } from "./aiops/delivery.js";
import type { LogSource } from "./aiops/log-source.js";
import { createLogSource } from "./aiops/log-source-factory.js";
import type { RemediationActuator } from "./aiops/remediation-actuator.js";
import { createSignalSource, type SignalSource } from "./aiops/signal-source.js";
import type { LaneLimits } from "./control/lane-bound.js";
import type { RollbackOptions } from "./control/rollback.js";
import { kubeClients } from "./kube/clients.js";
import { LeaderElector } from "./kube/leader-election.js";
import type { MetricsSource } from "./metrics/source.js";
import { createMetricsSource } from "./metrics/source-factory.js";
import { Q_ACTIONS } from "./policy/q-learning.js";
import { importQTable } from "./policy/q-table.js";
import { AiopsReconciler } from "./reconciler/aiops-reconciler.js";
import { ClusterChanges } from "./reconciler/cluster-changes.js";
import { type Logger, Reconciler } from "./reconciler/reconciler.js";
import { StateStore } from "./state/state-store.js";
import { type AiopsAuditRecord, streamAudit } from "./telemetry/audit.js";
import { OptimizerMetrics } from "./telemetry/metrics.js";

export interface OptimizerConfig {
  readonly prometheusUrl: string;
  readonly namespaces: readonly string[];
  readonly podNamespace: string;
  readonly podName: string;
  readonly kubeServer?: string;
  readonly intervalMs: number;
  readonly windowMs?: number;
  readonly queryTimeoutMs?: number;
  readonly stateConfigMap: string;
  readonly leaseName: string;
  readonly saveEvery?: number;
  readonly staleIntervals?: number;
  readonly pretrainedTable?: string;
  readonly audit: Writable;
  readonly port?: number;
  readonly host?: string;
  readonly seed: number;
  readonly log: Logger;
  /** Lease timings; client-go's defaults (15/10/2 s) unless a test shortens them. */
  readonly lease?: { leaseMs: number; renewDeadlineMs: number; retryMs: number };
  readonly rollback?: RollbackOptions;
  /** See ReconcilerOptions.maxHedgeUtilization. */
  readonly maxHedgeUtilization?: number;
  /** See ReconcilerOptions.maxHedgeExtraLoad. */
  readonly maxHedgeExtraLoad?: number;
  /** See ReconcilerOptions.lanes. */
  readonly lanes?: Partial<LaneLimits>;
  readonly processMetrics?: boolean;
  /** Replaces the Prometheus source (tests that script telemetry). */
  readonly metricsSource?: MetricsSource;
  /** Which MetricsSource to build when none is given. @default "prometheus" */
  readonly metricsSourceName?: string;
  /** Which Actuator writes routing. @default "istio" */
  readonly actuator?: string;
  readonly apiTimeoutMs?: number;
  /** Do not run the interval timer: the caller calls reconciler.reconcile() (tests). */
  readonly manual?: boolean;
  /** Actuator backoff base on 409s. */
  readonly baseBackoffMs?: number;
  /** See ReconcilerOptions.statusRefreshMs. */
  readonly statusRefreshMs?: number;
  /** See ReconcilerOptions.autoscalingStepMs. */
  readonly autoscalingStepMs?: number;
  /** The reconciler's clock (tests step it by hand). @default Date.now */
  readonly now?: () => number;
  /** Replaces the AIOps layer's Prometheus signals (tests replay recorded snapshots). */
  readonly signalSource?: SignalSource;
  /** See AIOPS_WEBHOOK_URL. */
  readonly aiopsWebhookUrl?: string;
  /** See AIOPS_SUMMARIZER_URL. */
  readonly aiopsSummarizerUrl?: string;
  /** See AIOPS_LOKI_URL. */
  readonly aiopsLokiUrl?: string;
  /** Where incidents' logs are read; overrides aiopsLokiUrl (tests). */
  readonly logSource?: LogSource;
  /** See AIOPS_ARGOCD_APPLICATION. */
  readonly aiopsArgoApplication?: { readonly namespace: string; readonly name: string };
  /** Carries out the AIOps layer's remediation. @default the Kubernetes API */
  readonly remediationActuator?: RemediationActuator;
}

export interface RunningOptimizer {
  readonly reconciler: Reconciler;
  /** The AIOps controller, beside the reconciler in the same process. */
  readonly aiops: AiopsReconciler;
  /** The recent changes the AIOps layer ranks (tests record their own). */
  readonly changes: ChangeLog;
  readonly elector: LeaderElector;
  readonly metrics: OptimizerMetrics;
  /** Where /metrics answers, when a port was given. */
  readonly url?: string;
  stop(): Promise<void>;
}

export async function startOptimizer(config: OptimizerConfig): Promise<RunningOptimizer> {
  const clients = kubeClients(config.kubeServer);
  const metrics = new OptimizerMetrics({ processMetrics: config.processMetrics });
  const elector = new LeaderElector(clients.coordination, {
    namespace: config.podNamespace,
    name: config.leaseName,
    identity: config.podName,
    ...config.lease,
    onChange: (leading, why) => {
      metrics.leader.set(leading ? 1 : 0);
      config.log.info({ leading, why }, leading ? "leading" : "following");
    },
  });
  const pretrained = config.pretrainedTable
    ? importQTable(readFileSync(config.pretrainedTable, "utf8"), Q_ACTIONS)
    : undefined;
  const source =
    config.metricsSource ??
    createMetricsSource(config.metricsSourceName ?? "prometheus", {
      prometheus: { url: config.prometheusUrl, timeoutMs: config.queryTimeoutMs, onQuery: metrics.onQuery },
    });
  // What the traffic optimizer writes is a recent change the AIOps layer ranks causes against.
  const changes = new ChangeLog();
  const trafficAudit = streamAudit(config.audit);
  const reconciler = new Reconciler({
    clients,
    metrics: source,
    namespaces: config.namespaces,
    fieldManager: OPTIMIZER_FIELD_MANAGER,
    actuator: config.actuator,
    isLeader: () => elector.isLeader(),
    intervalMs: config.intervalMs,
    windowMs: config.windowMs,
    seed: config.seed,
    store: new StateStore(clients.core, config.podNamespace, config.stateConfigMap, config.apiTimeoutMs),
    saveEvery: config.saveEvery,
    pretrained,
    staleLimit: config.staleIntervals,
    rollback: config.rollback,
    maxHedgeUtilization: config.maxHedgeUtilization,
    maxHedgeExtraLoad: config.maxHedgeExtraLoad,
    lanes: config.lanes,
    audit: (record) => {
      trafficAudit(record);
      const change = routingChange(record);
      if (change !== undefined) changes.record(change);
    },
    telemetry: metrics,
    log: config.log,
    instance: config.podName,
    timeoutMs: config.apiTimeoutMs,
    baseBackoffMs: config.baseBackoffMs,
    statusRefreshMs: config.statusRefreshMs,
    autoscalingStepMs: config.autoscalingStepMs,
    now: config.now,
  });
  const aiops = new AiopsReconciler({
    clients,
    source:
      config.signalSource ??
      createSignalSource("prometheus", {
        prometheus: { url: config.prometheusUrl, timeoutMs: config.queryTimeoutMs, onQuery: metrics.onQuery },
      }),
    actuator:
      config.remediationActuator ??
      createRemediationActuator("kubernetes", {
        clients,
        fieldManager: OPTIMIZER_FIELD_MANAGER,
        isLeader: () => elector.isLeader(),
        timeoutMs: config.apiTimeoutMs,
      }),
    audit: streamAudit<AiopsAuditRecord>(config.audit),
    changes,
    ...(config.logSource !== undefined
      ? { logs: config.logSource }
      : config.aiopsLokiUrl !== undefined
        ? {
            logs: createLogSource("loki", {
              loki: { url: config.aiopsLokiUrl, timeoutMs: config.queryTimeoutMs },
            }),
          }
        : {}),
    // New and changed Deployments are recent changes too, tied to Argo CD's revisions when named.
    clusterChanges: new ClusterChanges({
      clients,
      namespaces: config.namespaces,
      changes,
      ...(config.aiopsArgoApplication !== undefined ? { application: config.aiopsArgoApplication } : {}),
      log: config.log,
      timeoutMs: config.apiTimeoutMs ?? 5000,
    }),
    ...(config.aiopsWebhookUrl !== undefined ? { webhook: new WebhookSender(config.aiopsWebhookUrl) } : {}),
    ...(config.aiopsSummarizerUrl !== undefined
      ? { summarizer: new HttpSummarizer(config.aiopsSummarizerUrl, { timeoutMs: 10_000 }) }
      : {}),
    namespaces: config.namespaces,
    fieldManager: OPTIMIZER_FIELD_MANAGER,
    isLeader: () => elector.isLeader(),
    now: config.now,
    log: config.log,
    instance: config.podName,
    timeoutMs: config.apiTimeoutMs,
  });
  await elector.start();
  await reconciler.start();
  await aiops.start();
  if (!config.manual) {
    reconciler.run();
    aiops.run();
  }
  let server: Server | undefined;
  let url: string | undefined;
  if (config.port !== undefined) {
    server = createServer((req, res) => {
      if (req.url === "/metrics") {
        void metrics.registry
          .metrics()
          .then((text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text));
      } else if (req.url === "/healthz" || req.url === "/readyz") {
        res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      } else {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      }
    });
    await new Promise<void>((resolve) => server?.listen(config.port, config.host ?? "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }
  return {
    reconciler,
    aiops,
    changes,
    elector,
    metrics,
    url,
    async stop() {
      await aiops.stop();
      await reconciler.stop();
      await elector.stop();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}
