/**
 * Alerts deduplicated and grouped into incidents: one incident per root cause, not one per
 * symptom. A service that turns anomalous joins an open incident it is connected to on the call
 * graph through anomalous services (a failing callee and its failing callers are one story);
 * otherwise it opens a new one, if it shows a symptom of its own (latency, errors): a service
 * anomalous in its load alone (its callers send less) joins an incident but never opens one. An
 * incident closes once none of its services has been anomalous
 * for `quietMs`. Each step re-ranks the suspects of every open incident.
 *
 * Two open incidents that anomalous services come to connect (a caller slowed first and opened
 * one, its callee turned anomalous after and opened another) are merged: the newer joins the
 * older and closes, marked as merged into it.
 *
 * The ranking a notification carries settles `settleMs` after opening, if anything is still
 * affected then: a blip gone before it can be ranked closes unannounced (recorded, never paged).
 * A service that takes the
 * first place later (the callee whose fault began after its callers' trouble, or whose symptoms
 * grew slower) and holds it for `settleMs` settles it again, once per service, so the on-call
 * hears of the new suspect without hearing of every flicker.
 */
import { type CallGraph, rankRootCauses, type ServiceScore, type Suspect } from "./root-cause.js";

export interface Incident {
  readonly id: number;
  readonly openedAtMs: number;
  closedAtMs?: number;
  /** The incident this one was merged into, when that is how it closed. */
  mergedInto?: number;
  /** Every service that was anomalous in it, in the order they joined. */
  readonly services: string[];
  /** The suspects, best first, as last ranked. */
  suspects: Suspect[];
  /**
   * The ranking once the incident had been open `settleMs` with something still affected: what the
   * notification says. Set at closing for one that never got there, which was never announced.
   */
  settledSuspects?: Suspect[];
  /** The first settled ranking: what the first notification said. */
  firstSettledSuspects?: Suspect[];
  /** Every service a settled ranking has put first, in order. */
  readonly settledFirsts: string[];
  /** A new first suspect and since when it has held first place, not settled yet. */
  challenger?: { readonly service: string; readonly sinceMs: number };
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

/** An incident merged into an older one. */
export interface Merge {
  readonly incident: Incident;
  readonly into: Incident;
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

  /**
   * One step. `opened` are new incidents; `merged`, those that joined an older one (closed by
   * it); `resettled`, open ones whose settled ranking has a new first suspect; `closed`,
   * those quiet long enough.
   */
  step(
    atMs: number,
    states: readonly ServiceState[],
  ): { opened: Incident[]; merged: Merge[]; resettled: Incident[]; closed: Incident[] } {
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
          settledFirsts: [],
          peakSeverity: 0,
        };
        this.open.push(incident);
        opened.push(incident);
      }
    }
    const merged = this.mergeConnected(atMs, new Set(anomalous));
    const gone = new Set(merged.map((m) => m.incident));

    const scores: Record<string, ServiceScore> = {};
    for (const s of states)
      scores[s.service] = { severity: s.severity, symptom: s.symptomSeverity, sinceMs: s.sinceMs };
    const settleMs = this.o.settleMs ?? 20_000;
    const resettled: Incident[] = [];
    for (const incident of this.open) {
      incident.suspects = rankRootCauses(this.graph, scores).filter(
        (s) => incident.services.includes(s.service) || this.nearby(s.service, incident),
      );
      for (const s of incident.services)
        incident.peakSeverity = Math.max(incident.peakSeverity, scores[s]?.severity ?? 0);
      if (incident.settledSuspects === undefined) {
        if (atMs - incident.openedAtMs >= settleMs && incident.suspects.length > 0) this.settle(incident);
      } else if (this.challenged(incident, atMs, settleMs)) {
        this.settle(incident);
        resettled.push(incident);
      }
    }

    const closed: Incident[] = [];
    const quiet = this.o.quietMs ?? 60_000;
    for (const incident of [...this.open])
      if (incident.services.every((s) => atMs - (this.lastAnomalous.get(s) ?? 0) >= quiet)) {
        incident.closedAtMs = atMs;
        if (incident.settledSuspects === undefined) this.settle(incident);
        this.open.splice(this.open.indexOf(incident), 1);
        closed.push(incident);
      }
    return { opened: opened.filter((i) => !gone.has(i)), merged, resettled, closed };
  }

  /** Merges open incidents that two adjacent anomalous members connect, the newer into the older. */
  private mergeConnected(atMs: number, anomalous: ReadonlySet<string>): Merge[] {
    const merged: Merge[] = [];
    const touching = (a: Incident, b: Incident) =>
      a.services.some(
        (x) => anomalous.has(x) && b.services.some((y) => anomalous.has(y) && this.undirected.get(x)?.has(y)),
      );
    const pair = () => {
      for (const into of this.open)
        for (const incident of this.open)
          if (into.id < incident.id && touching(into, incident)) return { incident, into };
      return undefined;
    };
    for (let m = pair(); m !== undefined; m = pair()) {
      for (const s of m.incident.services) if (!m.into.services.includes(s)) m.into.services.push(s);
      m.into.peakSeverity = Math.max(m.into.peakSeverity, m.incident.peakSeverity);
      this.open.splice(this.open.indexOf(m.incident), 1);
      m.incident.closedAtMs = atMs;
      m.incident.mergedInto = m.into.id;
      m.incident.settledSuspects ??= m.incident.suspects;
      merged.push(m);
    }
    return merged;
  }

  private settle(incident: Incident): void {
    incident.settledSuspects = incident.suspects;
    incident.firstSettledSuspects ??= incident.suspects;
    incident.challenger = undefined;
    const first = incident.suspects[0]?.service;
    if (first !== undefined) incident.settledFirsts.push(first);
  }

  /** Whether a first suspect never settled before has held first place for `settleMs`. */
  private challenged(incident: Incident, atMs: number, settleMs: number): boolean {
    const first = incident.suspects[0]?.service;
    if (first === undefined || incident.settledFirsts.includes(first)) {
      incident.challenger = undefined;
      return false;
    }
    if (incident.challenger?.service !== first) incident.challenger = { service: first, sinceMs: atMs };
    return atMs - incident.challenger.sinceMs >= settleMs;
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
