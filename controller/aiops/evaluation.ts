/**
 * Scores a detection method against labelled faults: precision, recall (all faults, and those that
 * breached an SLO), time to detect, root-cause accuracy, and false alarms per hour of healthy load.
 *
 * An alarm belongs to the fault whose window (start to end plus a grace period, for the telemetry
 * to catch up) contains its opening; any other alarm is false. A fault's detection is its first
 * alarm: the time to detect counts from the fault's start to it, and the root cause is judged on
 * that alarm's ranked suspects (top-1: the first is the faulty service; top-3: it is among the first
 * three), over the faults detected.
 */

export interface Alarm {
  readonly openedAtMs: number;
  /** Suspected services, best first. */
  readonly suspects: readonly string[];
}

export interface LabelledFault {
  readonly id: number;
  readonly service: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Whether any service's SLI breached its objective over the fault's window. */
  readonly breachedSlo: boolean;
}

export interface MethodScore {
  readonly method: string;
  readonly alarms: number;
  readonly falseAlarms: number;
  /** Alarms that belong to a fault, over all alarms. */
  readonly precision: number;
  readonly recall: number;
  readonly sloFaults: number;
  readonly recallSloBreaching: number;
  readonly detectMs: readonly number[];
  readonly medianDetectMs?: number;
  readonly top1: number;
  readonly top3: number;
  readonly healthyHours: number;
  readonly falseAlarmsPerHour: number;
  /** Per fault: when it was detected and what was suspected first. */
  readonly perFault: readonly {
    readonly id: number;
    readonly detectMs?: number;
    readonly suspects: readonly string[];
  }[];
}

export interface ScoreOptions {
  readonly graceMs: number;
  /** The scored stretch: from the end of the warm-up to the end of the run. */
  readonly fromMs: number;
  readonly toMs: number;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function scoreMethod(
  method: string,
  alarms: readonly Alarm[],
  faults: readonly LabelledFault[],
  o: ScoreOptions,
): MethodScore {
  const scored = alarms.filter((a) => a.openedAtMs >= o.fromMs && a.openedAtMs <= o.toMs);
  const owner = (a: Alarm) =>
    faults.find((f) => a.openedAtMs >= f.startMs && a.openedAtMs <= f.endMs + o.graceMs);
  const perFault = faults.map((f) => {
    const first = scored.filter((a) => owner(a) === f).sort((a, b) => a.openedAtMs - b.openedAtMs)[0];
    return first === undefined
      ? { id: f.id, suspects: [] as string[] }
      : { id: f.id, detectMs: first.openedAtMs - f.startMs, suspects: first.suspects };
  });
  const detected = perFault.filter((p) => p.detectMs !== undefined);
  const serviceOf = new Map(faults.map((f) => [f.id, f.service]));
  const top = (k: number) =>
    ratio(
      detected.filter((p) => p.suspects.slice(0, k).includes(serviceOf.get(p.id) as string)).length,
      detected.length,
    );
  const falseAlarms = scored.filter((a) => owner(a) === undefined).length;
  const faultMs = faults.reduce((sum, f) => sum + Math.min(o.toMs, f.endMs + o.graceMs) - f.startMs, 0);
  const healthyHours = Math.max(0, o.toMs - o.fromMs - faultMs) / 3_600_000;
  const sloFaults = faults.filter((f) => f.breachedSlo);
  const detectMs = detected.map((p) => p.detectMs as number).sort((a, b) => a - b);
  return {
    method,
    alarms: scored.length,
    falseAlarms,
    precision: ratio(scored.length - falseAlarms, scored.length),
    recall: ratio(detected.length, faults.length),
    sloFaults: sloFaults.length,
    recallSloBreaching: ratio(
      sloFaults.filter((f) => perFault.find((p) => p.id === f.id)?.detectMs !== undefined).length,
      sloFaults.length,
    ),
    detectMs,
    ...(detectMs.length > 0 ? { medianDetectMs: detectMs[(detectMs.length - 1) >> 1] } : {}),
    top1: top(1),
    top3: top(3),
    healthyHours,
    falseAlarmsPerHour: ratio(falseAlarms, healthyHours),
    perFault,
  };
}
