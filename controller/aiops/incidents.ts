/**
 * Alerts deduplicated and grouped into incidents: one incident per root cause, not one per
 * symptom. A service that turns anomalous joins an open incident it is connected to on the call
 * graph through anomalous services (a failing callee and its failing callers are one story);
 * otherwise it opens a new one, if it shows a symptom of its own (latency, errors): a service
 * anomalous in its load alone (its callers send less) joins an incident but never opens one. An
 * incident closes once none of its services has been anomalous
 * for `quietMs`. Each step re-ranks the suspects of every open incident.
 */
import { type CallGraph, rankRootCauses, type ServiceScore, type Suspect } from "./root-cause.js";

export interface Incident {
  readonly id: number;
  readonly openedAtMs: number;
  closedAtMs?: number;
  /** Every service that was anomalous in it, in the order they joined. */
  readonly services: string[];
  /** The suspects, best first, as last ranked. */
  suspects: Suspect[];
  /** The ranking once the incident had been open `settleMs`: what the first notification says. */
  settledSuspects?: Suspect[];
  peakSeverity: number;
}

/** Symptom severity (1 at the threshold) a service needs to open an incident. */
const SYMPTOM_TO_OPEN = 0.5;

export interface TrackerOptions {
  /** Quiet time after which an incident closes. @default 60 s */
  readonly quietMs?: number;
  /** When the first summary is written, after opening. @default 20 s */
  readonly settleMs?: number;
}

export interface ServiceState {
  readonly service: string;
  readonly anomalous: boolean;
  readonly severity: number;
  /** @default severity */
  readonly symptomSeverity?: number;
  readonly sinceMs?: number;
}

export class IncidentTracker {
  private readonly open: Incident[] = [];
  private readonly lastAnomalous = new Map<string, number>();
  private nextId = 1;
  private readonly undirected: Map<string, Set<string>>;

  constructor(
    private readonly graph: CallGraph,
    private readonly o: TrackerOptions = {},
  ) {
    this.undirected = new Map();
    const link = (a: string, b: string) => {
      if (!this.undirected.has(a)) this.undirected.set(a, new Set());
      this.undirected.get(a)?.add(b);
    };
    for (const [caller, callees] of Object.entries(graph))
      for (const callee of callees) {
        link(caller, callee);
        link(callee, caller);
      }
  }

  get openIncidents(): readonly Incident[] {
    return this.open;
  }

  step(atMs: number, states: readonly ServiceState[]): { opened: Incident[]; closed: Incident[] } {
    const anomalous = states.filter((s) => s.anomalous).map((s) => s.service);
    for (const s of anomalous) this.lastAnomalous.set(s, atMs);
    const opened: Incident[] = [];
    const incidentOf = (s: string) => this.open.find((i) => i.services.includes(s));
    for (const service of anomalous) {
      if (incidentOf(service) !== undefined) continue;
      const joined = this.connectedIncident(service, new Set(anomalous));
      const state = states.find((s) => s.service === service) as ServiceState;
      if (joined !== undefined) joined.services.push(service);
      else if ((state.symptomSeverity ?? state.severity) >= SYMPTOM_TO_OPEN) {
        const incident: Incident = {
          id: this.nextId++,
          openedAtMs: atMs,
          services: [service],
          suspects: [],
          peakSeverity: 0,
        };
        this.open.push(incident);
        opened.push(incident);
      }
    }

    const scores: Record<string, ServiceScore> = {};
    for (const s of states)
      scores[s.service] = { severity: s.severity, symptom: s.symptomSeverity, sinceMs: s.sinceMs };
    for (const incident of this.open) {
      incident.suspects = rankRootCauses(this.graph, scores).filter(
        (s) => incident.services.includes(s.service) || this.nearby(s.service, incident),
      );
      for (const s of incident.services)
        incident.peakSeverity = Math.max(incident.peakSeverity, scores[s]?.severity ?? 0);
      if (incident.settledSuspects === undefined && atMs - incident.openedAtMs >= (this.o.settleMs ?? 20_000))
        incident.settledSuspects = incident.suspects;
    }

    const closed: Incident[] = [];
    const quiet = this.o.quietMs ?? 60_000;
    for (const incident of [...this.open])
      if (incident.services.every((s) => atMs - (this.lastAnomalous.get(s) ?? 0) >= quiet)) {
        incident.closedAtMs = atMs;
        incident.settledSuspects ??= incident.suspects;
        this.open.splice(this.open.indexOf(incident), 1);
        closed.push(incident);
      }
    return { opened, closed };
  }

  /** The open incident reachable from `service` through anomalous services and incident members. */
  private connectedIncident(service: string, anomalous: ReadonlySet<string>): Incident | undefined {
    const seen = new Set([service]);
    const queue = [service];
    while (queue.length > 0) {
      const s = queue.shift() as string;
      const found = this.open.find((i) => i.services.includes(s));
      if (found !== undefined) return found;
      for (const n of this.undirected.get(s) ?? [])
        if (!seen.has(n) && (anomalous.has(n) || this.open.some((i) => i.services.includes(n)))) {
          seen.add(n);
          queue.push(n);
        }
    }
    return undefined;
  }

  /** A sub-threshold service next to a member can still be the suspect (a callee that explains it). */
  private nearby(service: string, incident: Incident): boolean {
    return incident.services.some((m) => (this.graph[m] ?? []).includes(service));
  }
}
