/**
 * The AIOps step every runner calls (the controller and the benchmark): a snapshot of signals
 * in, verdicts per service and the incidents opened, merged into another, resettled (a new first
 * suspect) and closed out. Pure, with the
 * clock taken from the snapshot.
 */
import { AnomalyDetector, type DetectorOptions, type ServiceVerdict } from "./detector.js";
import { type Incident, IncidentTracker, type Merge, type TrackerOptions } from "./incidents.js";
import type { CallGraph } from "./root-cause.js";
import type { Snapshot } from "./signals.js";

export interface StepResult {
  readonly verdicts: readonly ServiceVerdict[];
  readonly opened: readonly Incident[];
  readonly merged: readonly Merge[];
  readonly resettled: readonly Incident[];
  readonly closed: readonly Incident[];
}

export class AiopsPipeline {
  readonly detector: AnomalyDetector;
  readonly tracker: IncidentTracker;

  constructor(graph: CallGraph, detector: DetectorOptions = {}, tracker: TrackerOptions = {}) {
    this.detector = new AnomalyDetector(detector);
    this.tracker = new IncidentTracker(graph, tracker);
  }

  /**
   * Learns from past snapshots, oldest first, as if they had been read live, but opens no incident:
   * what a start rebuilds from the telemetry's history. Returns how many were readable.
   */
  warm(snapshots: readonly Snapshot[]): number {
    let readable = 0;
    for (const snapshot of snapshots)
      if (this.detector.step(snapshot).some((v) => v.state !== "unreadable")) readable++;
    return readable;
  }

  step(snapshot: Snapshot): StepResult {
    const verdicts = this.detector.step(snapshot);
    const { opened, merged, resettled, closed } = this.tracker.step(
      snapshot.atMs,
      verdicts.map((v) => ({
        service: v.service,
        anomalous: v.state === "anomalous",
        severity: v.severity,
        symptomSeverity: v.symptomSeverity,
        sinceMs: v.sinceMs,
      })),
    );
    return { verdicts, opened, merged, resettled, closed };
  }
}
