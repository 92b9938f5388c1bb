/**
 * The plain peer: a static three-sigma threshold per signal, the mean and standard deviation of
 * the first healthy readings, fired by one reading beyond mean + 3σ in the signal's bad direction.
 * It gets the same spread floors as our detector (a flat signal's σ is 0), so the comparison is of
 * the statistics, not of the floors.
 */
import { directionalScore, SIGNAL_NAMES, type SignalName, type Snapshot } from "./signals.js";

export interface SigmaVerdict {
  readonly service: string;
  readonly anomalous: boolean;
  /** The worst signal's deviation in σ, divided by 3. */
  readonly severity: number;
}

export class ThreeSigmaDetector {
  private readonly training = new Map<string, Map<SignalName, number[]>>();
  private readonly fitted = new Map<string, Map<SignalName, { mean: number; sd: number }>>();

  constructor(private readonly warmupPoints = 60) {}

  step(snapshot: Snapshot): SigmaVerdict[] {
    const out: SigmaVerdict[] = [];
    for (const service of Object.keys(snapshot.services).sort()) {
      const readings = snapshot.services[service];
      const fit = this.fitted.get(service);
      if (fit === undefined) {
        const t = this.training.get(service) ?? new Map<SignalName, number[]>();
        this.training.set(service, t);
        for (const s of SIGNAL_NAMES) {
          const v = readings[s];
          if (v !== undefined) t.set(s, [...(t.get(s) ?? []), v]);
        }
        const n = Math.max(0, ...[...t.values()].map((v) => v.length));
        if (n >= this.warmupPoints) this.fitted.set(service, fitStats(t));
        out.push({ service, anomalous: false, severity: 0 });
        continue;
      }
      let worst = 0;
      for (const [s, { mean, sd }] of fit) {
        const v = readings[s];
        if (v !== undefined) worst = Math.max(worst, directionalScore(s, v, mean, sd));
      }
      out.push({ service, anomalous: worst > 3, severity: worst / 3 });
    }
    return out;
  }
}

function fitStats(t: Map<SignalName, number[]>): Map<SignalName, { mean: number; sd: number }> {
  const out = new Map<SignalName, { mean: number; sd: number }>();
  for (const [s, values] of t) {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    out.set(s, { mean, sd });
  }
  return out;
}
