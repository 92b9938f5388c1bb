/**
 * The anomaly detector: per service, a robust seasonal baseline per signal and an autoencoder over
 * the service's signal vector, both learning from healthy readings only. A service is anomalous
 * when a signal lies `zThreshold` robust deviations out in its bad direction, or the autoencoder
 * cannot reconstruct its vector, for `consecutive` readings in a row. Pure: readings in, verdicts
 * out; the clock is the snapshot's.
 */
import {
  type AutoencoderModel,
  type AutoencoderOptions,
  reconstructionError,
  trainAutoencoder,
} from "./autoencoder.js";
import { ModelVersions } from "./model-versions.js";
import { type BaselineOptions, RobustBaseline } from "./robust-baseline.js";
import { type Readings, SIGNAL_NAMES, SIGNALS, type SignalName, type Snapshot } from "./signals.js";

export interface DetectorOptions {
  /** Robust deviations that make a signal anomalous. @default 6 */
  readonly zThreshold?: number;
  /** Anomalous readings in a row before a service is called anomalous. @default 2 */
  readonly consecutive?: number;
  /** Healthy readings a service needs before it is judged, and the autoencoder's first training set. @default 60 */
  readonly warmupPoints?: number;
  /** Healthy readings between retrainings of the autoencoder (each is a new model version). @default 720 */
  readonly retrainEveryPoints?: number;
  /** Signals judged; the autoencoder's vector, in this order. @default every signal */
  readonly signals?: readonly SignalName[];
  readonly baseline?: BaselineOptions;
  readonly autoencoder?: AutoencoderOptions;
  /** Turns the autoencoder off (the baseline alone), for comparison. @default true */
  readonly useAutoencoder?: boolean;
}

export interface SignalEvidence {
  readonly signal: SignalName;
  readonly value: number;
  readonly expected: number;
  /** Robust deviations in the bad direction. */
  readonly score: number;
}

export interface ServiceVerdict {
  readonly service: string;
  /** learning: not judged yet; unreadable: no telemetry this time, nothing judged or learned. */
  readonly state: "learning" | "healthy" | "anomalous" | "unreadable";
  /** How far out, 1 at the threshold: the larger of the baseline's and the autoencoder's ratio. */
  readonly severity: number;
  /** The same, over the symptom signals alone (latency, errors, restarts): what root-cause ranking reads. */
  readonly symptomSeverity: number;
  /** When the current run of anomalous readings began. */
  readonly sinceMs?: number;
  /** Signals at least half the threshold out, worst first. */
  readonly evidence: readonly SignalEvidence[];
  readonly reconstruction?: { readonly error: number; readonly threshold: number; readonly version: number };
}

const CLIP = 10;

class ServiceModel {
  readonly baselines: Map<SignalName, RobustBaseline>;
  readonly models = new ModelVersions<AutoencoderModel>();
  /** Healthy readings kept for (re)training the autoencoder. */
  readonly healthy: { atMs: number; readings: Readings }[] = [];
  healthySinceTraining = 0;
  run = 0;
  runSinceMs?: number;

  constructor(signals: readonly SignalName[], o: BaselineOptions | undefined) {
    this.baselines = new Map(signals.map((s) => [s, new RobustBaseline(s, o)]));
  }
}

export class AnomalyDetector {
  private readonly zThreshold: number;
  private readonly consecutive: number;
  private readonly warmup: number;
  private readonly retrainEvery: number;
  private readonly signals: readonly SignalName[];
  private readonly services = new Map<string, ServiceModel>();

  constructor(private readonly o: DetectorOptions = {}) {
    this.zThreshold = o.zThreshold ?? 6;
    this.consecutive = o.consecutive ?? 2;
    this.warmup = o.warmupPoints ?? 60;
    this.retrainEvery = o.retrainEveryPoints ?? 720;
    this.signals = o.signals ?? SIGNAL_NAMES;
  }

  /** The autoencoder versions of a service (for rollback and status). */
  models(service: string): ModelVersions<AutoencoderModel> | undefined {
    return this.services.get(service)?.models;
  }

  step(snapshot: Snapshot): ServiceVerdict[] {
    return Object.keys(snapshot.services)
      .sort()
      .map((service) => this.judge(service, snapshot.atMs, snapshot.services[service]));
  }

  /** The service's signal vector in robust units, signed and clipped, for the autoencoder. */
  private vector(m: ServiceModel, atMs: number, r: Readings): number[] {
    return this.signals.map((s) => {
      const e = (m.baselines.get(s) as RobustBaseline).expect(atMs);
      const v = r[s];
      if (e === undefined || v === undefined) return 0;
      const z = (v - e.median) / Math.max(e.scale, SIGNALS[s].floor);
      return Math.max(-CLIP, Math.min(CLIP, z));
    });
  }

  private judge(service: string, atMs: number, readings: Readings): ServiceVerdict {
    let m = this.services.get(service);
    if (m === undefined) {
      m = new ServiceModel(this.signals, this.o.baseline);
      this.services.set(service, m);
    }
    const present = this.signals.filter((s) => readings[s] !== undefined);
    // No telemetry: judge nothing, learn nothing, and keep the run as it was.
    if (present.length === 0)
      return { service, state: "unreadable", severity: 0, symptomSeverity: 0, evidence: [] };

    const learning = m.healthy.length < this.warmup;
    const evidence: SignalEvidence[] = [];
    let worst = 0;
    let worstSymptom = 0;
    for (const s of present) {
      const b = m.baselines.get(s) as RobustBaseline;
      const e = b.expect(atMs);
      const score = b.score(atMs, readings[s] as number);
      if (e === undefined || score === undefined) continue;
      worst = Math.max(worst, score);
      if (SIGNALS[s].kind === "symptom") worstSymptom = Math.max(worstSymptom, score);
      if (score >= this.zThreshold / 2)
        evidence.push({ signal: s, value: readings[s] as number, expected: e.median, score });
    }
    evidence.sort((a, b) => b.score - a.score);
    // A baseline still learning has too few readings for its scores to mean anything.
    let severity = learning ? 0 : worst / this.zThreshold;
    const current = m.models.current;
    let reconstruction: ServiceVerdict["reconstruction"];
    if (!learning && current !== undefined && this.o.useAutoencoder !== false) {
      const error = reconstructionError(current.model, this.vector(m, atMs, readings));
      reconstruction = { error, threshold: current.model.threshold, version: current.version };
      severity = Math.max(severity, error / current.model.threshold);
    }
    const raw = !learning && severity >= 1;

    if (raw) {
      if (m.run === 0) m.runSinceMs = atMs;
      m.run++;
    } else {
      m.run = 0;
      m.runSinceMs = undefined;
      this.learn(m, atMs, readings);
    }
    const state = learning ? "learning" : m.run >= this.consecutive ? "anomalous" : "healthy";
    return {
      service,
      state,
      severity,
      symptomSeverity: learning ? 0 : worstSymptom / this.zThreshold,
      ...(state === "anomalous" ? { sinceMs: m.runSinceMs } : {}),
      evidence,
      ...(reconstruction ? { reconstruction } : {}),
    };
  }

  private learn(m: ServiceModel, atMs: number, readings: Readings): void {
    for (const s of this.signals) {
      const v = readings[s];
      if (v !== undefined) (m.baselines.get(s) as RobustBaseline).observe(atMs, v);
    }
    m.healthy.push({ atMs, readings });
    if (m.healthy.length > Math.max(this.warmup, this.retrainEvery)) m.healthy.shift();
    m.healthySinceTraining++;
    const first = m.models.current === undefined && m.healthy.length >= this.warmup;
    if (this.o.useAutoencoder !== false && (first || m.healthySinceTraining >= this.retrainEvery)) {
      const vectors = m.healthy.map((h) => this.vector(m, h.atMs, h.readings));
      m.models.publish(
        trainAutoencoder(vectors, this.o.autoencoder),
        atMs,
        `trained on ${vectors.length} healthy readings`,
      );
      m.healthySinceTraining = 0;
    }
  }
}
