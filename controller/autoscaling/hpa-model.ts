/**
 * The Kubernetes HorizontalPodAutoscaler's decision, as its controller makes it, for a CPU
 * utilization target: the baseline the predictive scaler is measured against, so it must be the
 * HPA users run, not a tidier one. Each constant names where Kubernetes sets it.
 *
 * One call is one sync of the controller (every {@link HPA_SYNC_PERIOD_MS}):
 * 1. the replica calculator (pkg/controller/podautoscaler/replica_calculator.go): the usage ratio
 *    is the ready pods' mean utilization over the target; within the tolerance nothing changes;
 *    otherwise desired = ceil(ratio × ready pods). While pods are not ready, a scale-up is
 *    recomputed with them counted at 0% and abandoned if it no longer holds;
 * 2. stabilization (horizontal.go, stabilizeRecommendationWithBehaviors): the result is held
 *    between the lowest recommendation of the scale-up window and the highest of the scale-down
 *    window;
 * 3. rate limits (convertDesiredReplicasWithBehaviorRate): each policy allows a change relative to
 *    the replicas at the start of its period; selectPolicy Max takes the policy allowing the most
 *    change; then min and max replicas.
 */

export interface HpaPolicy {
  readonly type: "Pods" | "Percent";
  readonly value: number;
  readonly periodSeconds: number;
}

export interface HpaRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: "Max" | "Min" | "Disabled";
  readonly policies: readonly HpaPolicy[];
}

export interface HpaSpec {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Target average CPU utilization of requests, as a fraction (0.8 for 80%). */
  readonly targetUtilization: number;
  readonly scaleUp: HpaRules;
  readonly scaleDown: HpaRules;
}

/** kube-controller-manager's --horizontal-pod-autoscaler-sync-period default. */
export const HPA_SYNC_PERIOD_MS = 15_000;
/** kube-controller-manager's --horizontal-pod-autoscaler-tolerance default. */
export const HPA_TOLERANCE = 0.1;

/**
 * spec.behavior when left out, from pkg/apis/autoscaling/v2/defaults.go: scale up by the larger of
 * 4 pods or 100% per 15 s with no stabilization; scale down by up to 100% per 15 s after a 300 s
 * stabilization window (kube-controller-manager's --horizontal-pod-autoscaler-downscale-stabilization).
 */
export const HPA_DEFAULT_SCALE_UP: HpaRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [
    { type: "Pods", value: 4, periodSeconds: 15 },
    { type: "Percent", value: 100, periodSeconds: 15 },
  ],
};
export const HPA_DEFAULT_SCALE_DOWN: HpaRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: "Max",
  policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
};

export interface HpaState {
  /** Unstabilized recommendations, newest last. */
  readonly recommendations: readonly { readonly atMs: number; readonly replicas: number }[];
  /** Replica changes the HPA made: positive up, negative down. */
  readonly events: readonly { readonly atMs: number; readonly change: number }[];
}

export const INITIAL_HPA_STATE: HpaState = { recommendations: [], events: [] };

export interface HpaInput {
  readonly nowMs: number;
  /** Replicas the Deployment has (its spec), ready or not. */
  readonly currentReplicas: number;
  /** Each ready pod's CPU utilization of its request (1 = 100%). */
  readonly readyUtilizations: readonly number[];
  /** Pods that exist but are not ready yet (starting). */
  readonly unready: number;
}

export interface HpaDecision {
  readonly replicas: number;
  readonly state: HpaState;
  /** Why, in the words of the HPA's own conditions. */
  readonly reason: string;
}

/** Step 1: the replica calculator's proposal, before stabilization and rate limits. */
export function calculatorProposal(spec: HpaSpec, input: HpaInput): { replicas: number; reason: string } {
  const current = input.currentReplicas;
  const ready = input.readyUtilizations;
  if (ready.length === 0) return { replicas: current, reason: "no metrics: no ready pods" };
  const sum = ready.reduce((a, b) => a + b, 0);
  const ratio = sum / ready.length / spec.targetUtilization;
  if (input.unready === 0 || ratio <= 1) {
    if (Math.abs(1 - ratio) <= HPA_TOLERANCE)
      return { replicas: current, reason: `within tolerance (ratio ${ratio.toFixed(3)})` };
    return { replicas: Math.ceil(ratio * ready.length), reason: `usage ratio ${ratio.toFixed(3)}` };
  }
  // Scaling up with pods still starting: count them at 0%, so a start-up spike is not doubled.
  const all = ready.length + input.unready;
  const rebalanced = sum / all / spec.targetUtilization;
  if (Math.abs(1 - rebalanced) <= HPA_TOLERANCE || rebalanced < 1)
    return { replicas: current, reason: `unready pods counted at 0%: ratio ${rebalanced.toFixed(3)}` };
  const replicas = Math.ceil(rebalanced * all);
  return replicas < current
    ? { replicas: current, reason: "unready pods counted at 0%: would shrink, kept" }
    : { replicas, reason: `usage ratio ${rebalanced.toFixed(3)} with unready pods at 0%` };
}

function changedWithin(
  events: HpaState["events"],
  nowMs: number,
  periodSeconds: number,
  up: boolean,
): number {
  const cutoff = nowMs - periodSeconds * 1000;
  return events
    .filter((e) => e.atMs > cutoff && (up ? e.change > 0 : e.change < 0))
    .reduce((n, e) => n + Math.abs(e.change), 0);
}

/**
 * The furthest the policies let replicas move now in one direction: the most replicas when scaling
 * up, the fewest when scaling down. Each policy counts from the replicas at the start of its period
 * (the changes made in that direction within it undone); selectPolicy Max takes the policy allowing
 * the most change, Min the least.
 */
export function rateLimit(
  direction: "up" | "down",
  current: number,
  rules: HpaRules,
  events: HpaState["events"],
  nowMs: number,
): number {
  if (rules.selectPolicy === "Disabled") return current;
  const sign = direction === "up" ? 1 : -1;
  const proposals = rules.policies.map((p) => {
    const start = current - sign * changedWithin(events, nowMs, p.periodSeconds, direction === "up");
    return p.type === "Pods" ? start + sign * p.value : Math.ceil(start * (1 + (sign * p.value) / 100));
  });
  const mostChange = direction === "up" ? Math.max(...proposals) : Math.min(...proposals);
  const leastChange = direction === "up" ? Math.min(...proposals) : Math.max(...proposals);
  return rules.selectPolicy === "Min" ? leastChange : mostChange;
}

/** One sync of the HPA. */
export function hpaStep(spec: HpaSpec, state: HpaState, input: HpaInput): HpaDecision {
  const { nowMs, currentReplicas: current } = input;
  const proposal = calculatorProposal(spec, input);
  // The stabilization windows see the calculator's proposal as it is; min and max come last.
  const desired = proposal.replicas;
  // A new HPA starts its scale-down window at the current replicas (maybeInitScaleDownStabilizationWindow).
  const history =
    state.recommendations.length > 0 ? state.recommendations : [{ atMs: nowMs, replicas: current }];

  const upCutoff = nowMs - spec.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = nowMs - spec.scaleDown.stabilizationWindowSeconds * 1000;
  let up = desired;
  let down = desired;
  for (const r of history) {
    if (r.atMs > upCutoff) up = Math.min(up, r.replicas);
    if (r.atMs > downCutoff) down = Math.max(down, r.replicas);
  }
  let recommendation = current;
  if (recommendation < up) recommendation = up;
  if (recommendation > down) recommendation = down;
  const keepFrom =
    nowMs -
    Math.max(spec.scaleUp.stabilizationWindowSeconds, spec.scaleDown.stabilizationWindowSeconds) * 1000;

  let replicas = recommendation;
  let reason = proposal.reason;
  if (recommendation !== desired) reason += `; stabilized to ${recommendation}`;
  if (recommendation > current) {
    const cap = Math.min(
      spec.maxReplicas,
      Math.max(current, rateLimit("up", current, spec.scaleUp, state.events, nowMs)),
    );
    if (recommendation > cap) reason += `; scale-up limited to ${cap}`;
    replicas = Math.min(recommendation, cap);
  } else if (recommendation < current) {
    const floor = Math.max(
      spec.minReplicas,
      Math.min(current, rateLimit("down", current, spec.scaleDown, state.events, nowMs)),
    );
    if (recommendation < floor) reason += `; scale-down limited to ${floor}`;
    replicas = Math.max(recommendation, floor);
  }
  replicas = Math.min(spec.maxReplicas, Math.max(spec.minReplicas, replicas));
  const longestPeriod = Math.max(
    ...[...spec.scaleUp.policies, ...spec.scaleDown.policies].map((p) => p.periodSeconds),
    0,
  );
  return {
    replicas,
    reason,
    state: {
      recommendations: [...history.filter((r) => r.atMs > keepFrom), { atMs: nowMs, replicas: desired }],
      events: [
        ...state.events.filter((e) => e.atMs > nowMs - longestPeriod * 1000),
        ...(replicas !== current ? [{ atMs: nowMs, change: replicas - current }] : []),
      ],
    },
  };
}
