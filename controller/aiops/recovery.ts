/**
 * Time to recovery of a fault, from the detector's own readings of the faulty service: from the
 * fault's start to the first of `healthyRun` readings in a row below the threshold, once the
 * service has been seen over it. Both arms of the remediation experiment are measured by this
 * one rule, on the same readings, so the comparison does not depend on how either arm ends.
 */

export interface SeverityReading {
  readonly tMs: number;
  /** The service's symptom severity (1 at the threshold); undefined when it could not be read. */
  readonly severity: number | undefined;
}

export interface RecoveryOptions {
  /** Readings in a row below the threshold that count as recovered. @default 2 */
  readonly healthyRun?: number;
  /** Readings after this are not looked at (the next fault's start). */
  readonly untilMs: number;
}

/** Milliseconds from `startMs` to recovery; undefined if the fault never showed, or never cleared before `untilMs`. */
export function timeToRecovery(
  startMs: number,
  readings: readonly SeverityReading[],
  o: RecoveryOptions,
): number | undefined {
  const need = o.healthyRun ?? 2;
  let seen = false;
  let runStart: number | undefined;
  let run = 0;
  for (const r of readings) {
    if (r.tMs < startMs) continue;
    if (r.tMs >= o.untilMs) break;
    if (r.severity === undefined) {
      // No reading is neither sick nor well: it breaks a healthy run.
      run = 0;
      continue;
    }
    if (r.severity >= 1) {
      seen = true;
      run = 0;
      continue;
    }
    if (!seen) continue;
    if (run === 0) runStart = r.tMs;
    run++;
    if (run >= need) return (runStart as number) - startMs;
  }
  return undefined;
}
