/** The optimizer's settings, from environment variables, validated at start (one line, exit 2). */
import { setting } from "../common/settings.js";

export const OPTIMIZER_SETTINGS = {
  /** Where Prometheus answers its HTTP API. */
  PROMETHEUS_URL: setting.url("http://prometheus-operated.monitoring.svc:9090"),
  /** Comma-separated namespaces whose intents and Istio routing the optimizer manages. */
  MANAGED_NAMESPACES: setting.text("shop"),
  /** The optimizer's own namespace, for its Lease and state ConfigMap (the downward API sets it). */
  POD_NAMESPACE: setting.text("meshpilot-optimizer"),
  /** This replica's identity in the Lease (the downward API sets it). */
  POD_NAME: setting.text("optimizer-local"),
  /** An API server URL; unset in a pod, where the service account's in-cluster config is used. */
  KUBE_SERVER: setting.optional(setting.url()),
  /** Where telemetry comes from. */
  METRICS_SOURCE: setting.oneOf(["prometheus"] as const, "prometheus"),
  /** What writes routing: istio, or noop to decide and explain without writing (shadow mode). */
  ACTUATOR: setting.oneOf(["istio", "noop"] as const, "istio"),
  INTERVAL_SECONDS: setting.integer(30, 1, 3600),
  /** The telemetry window each decision reads; two intervals and at least four Envoy scrapes when unset. */
  WINDOW_SECONDS: setting.optional(setting.integer(undefined, 1, 7200)),
  QUERY_TIMEOUT_MS: setting.integer(5000, 100, 60_000),
  STATE_CONFIGMAP: setting.text("meshpilot-optimizer-state"),
  LEASE_NAME: setting.text("meshpilot-optimizer"),
  SAVE_EVERY: setting.integer(10, 1, 100_000),
  STALE_INTERVALS: setting.integer(3, 1, 1000),
  /** Fresh intervals a change is watched before it is kept. */
  ROLLBACK_INTERVALS: setting.integer(3, 1, 100),
  /** How much worse than before the watched subsets must be, as a ratio, to roll a change back. */
  ROLLBACK_TOLERANCE: setting.number(1.5, 1, 100),
  /** No hedging at or above this mean CPU utilization (0 to 1). */
  MAX_HEDGE_UTILIZATION: setting.number(0.85, 0, 1),
  /** Hedging that adds more than this share of extra work (tries per request, minus one) is switched off. */
  MAX_HEDGE_EXTRA_LOAD: setting.number(0.05, 0, 1),
  /** Per subset, at most this share of its replicas in the quarantine lane (rounded down; never the last). */
  MAX_QUARANTINE_SHARE: setting.number(1 / 3, 0, 1),
  /** A pod is quarantined only if the rest of its subset would then run below this mean CPU utilization. */
  MAX_LANE_UTILIZATION: setting.number(0.93, 0, 1),
  /** Percent of requests mirrored to the quarantine lane as probes, on routes that may be replayed. */
  MAX_PROBE_PERCENT: setting.number(2, 0, 100),
  /** How often a quiet intent's commentary is rewritten; ten intervals when unset. */
  STATUS_REFRESH_SECONDS: setting.optional(setting.integer(undefined, 1, 86_400)),
  /** The Q-table pre-trained in the simulator, shipped with the image. */
  PRETRAINED_TABLE: setting.optional(setting.text()),
  /** Where the AIOps layer POSTs each incident, opened and resolved, in Alertmanager's webhook format; none when unset. */
  AIOPS_WEBHOOK_URL: setting.optional(setting.url()),
  /** A model endpoint that rewrites incident summaries (sent the summary as JSON, answers {"text"}); off when unset. */
  AIOPS_SUMMARIZER_URL: setting.optional(setting.url()),
  /** Loki's base URL, where the AIOps layer reads an incident's logs (LogQL); no log evidence when unset. */
  AIOPS_LOKI_URL: setting.optional(setting.url()),
  /** The Argo CD Application (namespace/name) whose sync history ties recent changes to Git revisions; none when unset. */
  AIOPS_ARGOCD_APPLICATION: setting.optional(setting.objectRef()),
  /** A file for the JSON-lines audit trail; stdout when unset. */
  AUDIT_FILE: setting.optional(setting.text()),
  PORT: setting.port(8080),
  HOST: setting.text("0.0.0.0"),
  SEED: setting.integer(1, 0, 2 ** 31 - 1),
  LOG_LEVEL: setting.oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const, "info"),
};
