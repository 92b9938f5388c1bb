/**
 * The optimizer's process: settings from the environment (a bad one exits 2 with one line), pino
 * logs on stderr, the audit trail as JSON lines on stdout or a file, and a clean stop on SIGTERM
 * that saves the state and releases the lease so the other replica takes over at once.
 */
import { createWriteStream } from "node:fs";
import { destination, pino } from "pino";
import { loadSettings, SettingsError } from "../common/settings.js";
import { startOptimizer } from "./optimizer.js";
import { OPTIMIZER_SETTINGS } from "./settings.js";

let settings: ReturnType<typeof loadSettings<typeof OPTIMIZER_SETTINGS>>;
try {
  settings = loadSettings(OPTIMIZER_SETTINGS);
} catch (e) {
  if (!(e instanceof SettingsError)) throw e;
  process.stderr.write(`optimizer: ${e.message}\n`);
  process.exit(2);
}
const log = pino(
  { level: settings.LOG_LEVEL, base: { service: "optimizer", pod: settings.POD_NAME } },
  destination(2),
);
const optimizer = await startOptimizer({
  prometheusUrl: settings.PROMETHEUS_URL,
  namespaces: settings.MANAGED_NAMESPACES.split(",")
    .map((n) => n.trim())
    .filter(Boolean),
  podNamespace: settings.POD_NAMESPACE,
  podName: settings.POD_NAME,
  kubeServer: settings.KUBE_SERVER,
  metricsSourceName: settings.METRICS_SOURCE,
  actuator: settings.ACTUATOR,
  intervalMs: settings.INTERVAL_SECONDS * 1000,
  windowMs: settings.WINDOW_SECONDS === undefined ? undefined : settings.WINDOW_SECONDS * 1000,
  queryTimeoutMs: settings.QUERY_TIMEOUT_MS,
  stateConfigMap: settings.STATE_CONFIGMAP,
  leaseName: settings.LEASE_NAME,
  saveEvery: settings.SAVE_EVERY,
  staleIntervals: settings.STALE_INTERVALS,
  rollback: { intervals: settings.ROLLBACK_INTERVALS, tolerance: settings.ROLLBACK_TOLERANCE },
  maxHedgeUtilization: settings.MAX_HEDGE_UTILIZATION,
  maxHedgeExtraLoad: settings.MAX_HEDGE_EXTRA_LOAD,
  lanes: {
    maxQuarantineShare: settings.MAX_QUARANTINE_SHARE,
    maxLaneUtilization: settings.MAX_LANE_UTILIZATION,
    maxProbePercent: settings.MAX_PROBE_PERCENT,
  },
  statusRefreshMs:
    settings.STATUS_REFRESH_SECONDS === undefined ? undefined : settings.STATUS_REFRESH_SECONDS * 1000,
  pretrainedTable: settings.PRETRAINED_TABLE,
  aiopsWebhookUrl: settings.AIOPS_WEBHOOK_URL,
  aiopsSummarizerUrl: settings.AIOPS_SUMMARIZER_URL,
  aiopsArgoApplication: settings.AIOPS_ARGOCD_APPLICATION,
  aiopsLokiUrl: settings.AIOPS_LOKI_URL,
  audit: settings.AUDIT_FILE ? createWriteStream(settings.AUDIT_FILE, { flags: "a" }) : process.stdout,
  port: settings.PORT,
  host: settings.HOST,
  seed: settings.SEED,
  log,
  processMetrics: true,
});
log.info({ url: optimizer.url, namespaces: settings.MANAGED_NAMESPACES }, "optimizer started");
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log.info({ signal }, "stopping");
    void optimizer.stop().then(() => process.exit(0));
  });
}
