/**
 * Predictive autoscaling as plumbing around the scaler's step (scaler-step.ts), once a minute for
 * every intent with `spec.autoscaling`: read each version's HPA from the cache, build the step's
 * observations from the interval's telemetry and the HPA's own CPU reading, call the step, and in
 * act mode write each HPA's minReplicas (hpa-floor.ts). Every rule about what to set lives in the
 * step; this file only moves data.
 *
 * Restoring is level-based: every interval, an HPA that carries the optimizer's record but is no
 * longer acted on (its intent gone, its autoscaling removed or in observe, the HPA no longer named)
 * gets Git's values back. An invalid intent changes nothing, so its HPAs are left as they are.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { ResolvedAutoscalingSpec } from "../../api/intent/autoscaling-schema.js";
import { validateIntent } from "../../api/intent/validate.js";
import { type HpaFloorWriter, type HpaReading, HpaShapeError, readHpa } from "../actuator/hpa-floor.js";
import { NotLeaderError } from "../actuator/istio-actuator.js";
import { isAiopsOwner } from "../aiops/remediation-actuator.js";
import { type OnlineForecaster, onlineForecaster } from "../autoscaling/online-forecast.js";
import { initialScalerState, type ScalerDecision, type ScalerState } from "../autoscaling/scaler.js";
import { intentScalerSettings, reactiveFloor, scalerStep } from "../autoscaling/scaler-step.js";
import { describeError, type KubeClients } from "../kube/clients.js";
import type { WatchedSet } from "../kube/watched-set.js";
import type { Observation } from "../metrics/observation.js";
import type { MetricsSource } from "../metrics/source.js";
import { addFinalizer, hasFinalizer, isDeleting } from "./finalizer.js";
import type { Prepared } from "./intent-pass.js";
import { type Intent, keyOf, type Logger, type Recorder } from "./recorder.js";
import type { AutoscalingStatus } from "./status.js";

export interface AutoscalingPassOptions {
  readonly clients: KubeClients;
  readonly hpas: WatchedSet<KubernetesObject>;
  readonly writer: HpaFloorWriter;
  readonly source: MetricsSource;
  readonly recorder: Recorder;
  readonly isLeader: () => boolean;
  readonly timeoutMs: number;
  readonly log: Logger;
  /** The scaler's step. @default one minute */
  readonly stepMs?: number;
  /** Seasons of history the forecaster starts from (a season is a day). @default 7 */
  readonly historySeasons?: number;
  readonly seed: number;
}

const DAY_MS = 86_400_000;

/** What the pass keeps per intent between steps. A restart rebuilds it from Prometheus and the HPAs. */
interface Scaling {
  readonly forecasterName: string;
  readonly forecaster: OnlineForecaster;
  total: ScalerState;
  readonly versions: Map<string, ScalerState>;
  lastStepMs?: number;
  status?: AutoscalingStatus;
}

export class AutoscalingPass {
  private readonly memory = new Map<string, Scaling>();
  private readonly stepMs: number;

  constructor(private readonly o: AutoscalingPassOptions) {
    this.stepMs = o.stepMs ?? 60_000;
  }

  /** The status the intent's next status write carries, undefined without autoscaling. */
  statusOf(key: string): AutoscalingStatus | undefined {
    return this.memory.get(key)?.status;
  }

  /** One intent's step, when a step is due. */
  async visit(p: Prepared, observation: Observation, nowMs: number): Promise<void> {
    const key = keyOf(p.intent);
    const spec = p.spec.autoscaling;
    if (!spec) {
      this.memory.delete(key);
      return;
    }
    let s = this.memory.get(key);
    if (!s || s.forecasterName !== spec.forecaster) s = await this.start(key, p, spec, nowMs);
    if (s.lastStepMs !== undefined && nowMs - s.lastStepMs < this.stepMs) return;
    s.lastStepMs = nowMs;
    const ns = p.intent.metadata.namespace as string;

    const versions: { subset: string; hpa: HpaReading & { targetUtilization: number } }[] = [];
    const problems: string[] = [];
    for (const [subset, name] of Object.entries(spec.horizontalPodAutoscalers)) {
      const object = this.o.hpas.get(ns, name);
      if (!object) {
        problems.push(`HorizontalPodAutoscaler ${name} (subset ${subset}) not found in ${ns}`);
        continue;
      }
      let hpa: HpaReading;
      try {
        hpa = readHpa(object);
      } catch (e) {
        if (!(e instanceof HpaShapeError)) throw e;
        problems.push(e.message);
        continue;
      }
      const { targetUtilization } = hpa;
      if (targetUtilization === undefined) {
        problems.push(
          `HorizontalPodAutoscaler ${name} has no CPU averageUtilization target; the scaler provisions for the HPA's own CPU target`,
        );
        continue;
      }
      versions.push({ subset, hpa: { ...hpa, targetUtilization } });
    }
    const total = observation.stale
      ? undefined
      : Object.values(observation.subsets).reduce((n, v) => n + v.rps, 0);
    const steps = versions.map(({ subset, hpa }) => {
      // Bounded by Git's floor, not the one in force (which may be the scaler's own).
      const bounds = { ...hpa, minReplicas: hpa.git.minReplicas };
      const settings = intentScalerSettings(spec, bounds, this.stepMs);
      const stats = observation.stale ? undefined : observation.subsets[subset];
      // A restart takes up the floor in force, so it does not drop what it wrote before.
      const fresh = { ...initialScalerState(settings, nowMs), minReplicas: hpa.minReplicas };
      return {
        settings,
        state: s.versions.get(subset) ?? fresh,
        obs: {
          nowMs,
          rps: stats?.rps,
          utilization: hpa.utilization,
          ready: hpa.currentReplicas,
          floor: reactiveFloor(bounds, hpa.currentReplicas, hpa.utilization),
        },
      };
    });
    const step = scalerStep(this.serviceSettings(spec), s.forecaster, {
      state: s.total,
      obs: { nowMs, rps: total, utilization: undefined, ready: 0, floor: 0 },
      versions: steps,
    });
    s.total = step.state;
    const previous = s.status;
    const subsets: Record<string, AutoscalingStatus["subsets"][string]> = {};
    for (const [i, { subset, hpa }] of versions.entries()) {
      const d = step.decisions[i];
      s.versions.set(subset, d.state);
      const written = await this.act(p.intent, spec, hpa, d);
      subsets[subset] = {
        horizontalPodAutoscaler: hpa.name,
        minReplicas: d.minReplicas,
        gitMinReplicas: hpa.git.minReplicas,
        currentReplicas: hpa.currentReplicas,
        ...(d.state.capacityRps === undefined ? {} : { capacityRps: round(d.state.capacityRps) }),
        explanation: clip(written === true ? d.explanation : `${d.explanation}; ${written}`),
      };
    }
    const forecastRps = step.ahead ? Math.max(...step.ahead.upper) : undefined;
    s.status = {
      mode: spec.mode,
      at: new Date(nowMs).toISOString(),
      ...(forecastRps === undefined ? {} : { forecastRps: round(forecastRps) }),
      explanation: clip(
        [...problems, ...Object.entries(subsets).map(([subset, v]) => `${subset}: ${v.explanation}`)].join(
          "; ",
        ),
      ),
      subsets,
    };
    await this.announce(p.intent, previous, s.status, nowMs);
  }

  /**
   * Every HPA the optimizer wrote that nothing acts on any more (its intent gone or being deleted,
   * its autoscaling removed, in observe, or no longer naming it) gets Git's values back. Returns
   * the keys of the intents whose HPAs are not all back yet.
   */
  async sweep(intents: readonly Intent[]): Promise<Set<string>> {
    const unreleased = new Set<string>();
    for (const object of this.o.hpas.list()) {
      let hpa: HpaReading;
      try {
        hpa = readHpa(object);
      } catch (e) {
        // A record nobody can read: nothing to restore from. Reported by the intent naming it.
        if (!(e instanceof HpaShapeError)) throw e;
        continue;
      }
      // Not written, or written by the AIOps layer, which gives back its own.
      if (!hpa.written || isAiopsOwner(hpa.owner)) continue;
      const ns = object.metadata?.namespace as string;
      const key = `${ns}/${hpa.owner}`;
      const intent = intents.find((i) => keyOf(i) === key);
      if (intent && !isDeleting(intent)) {
        const check = validateIntent(intent.spec);
        if (!check.valid) continue; // an invalid intent changes nothing
        const a = check.spec.autoscaling;
        if (a?.mode === "act" && Object.values(a.horizontalPodAutoscalers).includes(hpa.name)) continue;
      }
      if (!this.o.isLeader()) {
        unreleased.add(key);
        continue;
      }
      try {
        await this.o.writer.restore(ns, hpa);
        this.o.log.info(
          { intent: key, hpa: hpa.name, minReplicas: hpa.git.minReplicas },
          "restored Git's minReplicas",
        );
      } catch (e) {
        unreleased.add(key);
        this.o.log.warn({ intent: key, hpa: hpa.name, error: describeError(e) }, "restoring an HPA failed");
      }
    }
    return unreleased;
  }

  /** Drops what the pass kept for an intent that is gone. */
  forget(key: string): void {
    this.memory.delete(key);
  }

  /**
   * The settings the service's total is screened and forecast with: only the spec's fields count
   * there (quantile, horizon, spike filter); the bounds are each version's HPA's.
   */
  private serviceSettings(spec: ResolvedAutoscalingSpec) {
    return intentScalerSettings(spec, { minReplicas: 1, maxReplicas: 1, targetUtilization: 1 }, this.stepMs);
  }

  /** A fresh memory, its forecaster fed the history Prometheus keeps. */
  private async start(key: string, p: Prepared, spec: ResolvedAutoscalingSpec, nowMs: number) {
    const season = DAY_MS / this.stepMs;
    const forecaster = onlineForecaster(spec.forecaster, { season, seed: this.o.seed });
    const s: Scaling = {
      forecasterName: spec.forecaster,
      forecaster,
      total: initialScalerState(this.serviceSettings(spec), nowMs),
      versions: new Map(),
    };
    this.memory.set(key, s);
    if (!this.o.source.history) return s;
    const seasons = this.o.historySeasons ?? 7;
    const toMs = Math.floor(nowMs / this.stepMs) * this.stepMs - this.stepMs;
    try {
      const history = await this.o.source.history(
        p.spec.target.host,
        toMs - seasons * DAY_MS,
        toMs,
        this.stepMs,
      );
      // A gap (no scrape, a restart of Prometheus) repeats the last value: holes would shift the season.
      let last: number | undefined;
      for (const [i, v] of history.entries()) {
        last = v ?? last;
        if (last !== undefined) forecaster.observe(last);
        // A week of history takes Holt-Winters about a second and the LSTM several: let the lease
        // renewal and the watches run in between.
        if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
      }
      this.o.log.info({ intent: key, steps: history.length }, "forecaster started from Prometheus' history");
    } catch (e) {
      this.o.log.warn(
        { intent: key, error: describeError(e) },
        "no history for the forecaster; it starts cold",
      );
    }
    return s;
  }

  /** Writes the decision in act mode; true, or why nothing was written. */
  private async act(
    intent: Intent,
    spec: ResolvedAutoscalingSpec,
    hpa: HpaReading,
    d: ScalerDecision,
  ): Promise<true | string> {
    if (d.write === undefined || spec.mode !== "act") return true;
    if (!this.o.isLeader()) return new NotLeaderError().message;
    try {
      // Deleting the intent must wait until Git's values are back.
      if (!hasFinalizer(intent)) await addFinalizer(this.o.clients, intent, this.o.timeoutMs);
      await this.o.writer.write(intent.metadata.namespace as string, intent.metadata.name, hpa, {
        minReplicas: d.write,
        scaleUpWindowSeconds: d.scaleUpWindowMs / 1000,
      });
      return true;
    } catch (e) {
      const why = `writing ${hpa.name} failed: ${describeError(e)}`;
      this.o.log.warn({ intent: keyOf(intent), error: why }, "autoscaling write failed");
      return why;
    }
  }

  /** An Event when a version's floor changes (act) or the recommendation does (observe). */
  private async announce(
    intent: Intent,
    before: AutoscalingStatus | undefined,
    now: AutoscalingStatus,
    nowMs: number,
  ): Promise<void> {
    if (!this.o.isLeader()) return;
    for (const [subset, v] of Object.entries(now.subsets)) {
      const was = before?.subsets[subset]?.minReplicas;
      if (was === v.minReplicas) continue;
      const reason = now.mode === "act" ? "ScaledAhead" : "ScalingRecommended";
      await this.o.recorder.event(
        intent,
        reason,
        "Normal",
        `${v.horizontalPodAutoscaler}: ${v.explanation}`,
        nowMs,
      );
    }
  }
}

const round = (v: number) => Math.round(v * 10) / 10;
/** The status schema's limit on an explanation. */
const clip = (text: string) => text.slice(0, 4096);
