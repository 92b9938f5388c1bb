/**
 * The contract between the optimizer's workload (its chart and image) and the optimizer's code:
 * names and settings both sides must agree on. It lives here, below both, so neither imports
 * the other.
 */

/**
 * On an HPA whose minReplicas predictive autoscaling sets: the intent that set it and Git's values,
 * which the optimizer restores. Argo CD ignores it, with the two fields it records.
 */
export const GIT_FLOOR_ANNOTATION = "optimizer.meshpilot.io/git-floor";

/** Field manager the optimizer writes routing with; Argo CD ignores fields it owns. */
export const OPTIMIZER_FIELD_MANAGER = "meshpilot-optimizer";

/**
 * How the optimizer's Node runs, in the pod and in the speed benchmark alike. A 1 MiB young
 * generation and a 96 MiB old-space cap keep the heap near what it holds (about 50 MB at 500
 * intents) instead of letting V8 grow it towards the container limit; two malloc arenas stop
 * glibc from keeping one per thread. The benchmark measured these against the defaults.
 */
export const OPTIMIZER_RUNTIME_ENV: Readonly<Record<string, string>> = {
  NODE_OPTIONS: "--max-semi-space-size=1 --max-old-space-size=96",
  MALLOC_ARENA_MAX: "2",
};

/** The pre-trained Q-table in the repository: `npm run pretrain` writes it and the image ships it. */
export const PRETRAINED_PATH = "controller/pretrained/q-table.json";

/**
 * How often Prometheus scrapes the sidecars' Envoy stats (the PodMonitor in the observability
 * chart). The optimizer's telemetry window and the simulator's scrape model both read it.
 */
export const ENVOY_SCRAPE_INTERVAL_SECONDS = 15;

/**
 * The quarantine lane's pod label. Every pod of a managed Deployment carries it as `serving` from
 * its template, and each DestinationRule subset selects that value, so the optimizer takes a pod
 * out of its subset by setting the label on the pod alone (`quarantine`). Neither the
 * Deployment's selector nor the Service's includes it: the ReplicaSet keeps the pod and the
 * Service keeps its endpoint. Pods are not in Git, so Argo CD sees no drift.
 */
export const LANE_LABEL = "optimizer.meshpilot.io/lane";
export const LANE_SERVING = "serving";
export const LANE_QUARANTINE = "quarantine";
/** The DestinationRule subset that selects quarantined pods, which mirrored probes reach. */
export const LANE_SUBSET = "meshpilot-lane";

/**
 * What the mesh retries on its own: only a request that never reached the application (the
 * connection failed, or the upstream refused the stream before reading it), so a retry is safe
 * even for a call that is not idempotent. gRPC's `unavailable` does not apply to HTTP services.
 */
export const SAFE_RETRY_ON = "connect-failure,refused-stream";
