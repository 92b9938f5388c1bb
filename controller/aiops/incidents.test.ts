import { IncidentTracker, type ServiceState } from "./incidents.js";

const GRAPH = {
  frontend: ["checkout", "catalog"],
  checkout: ["payments"],
  payments: [],
  catalog: [],
  orders: [],
};

const state = (service: string, severity: number, anomalous = severity >= 1): ServiceState => ({
  service,
  anomalous,
  severity,
});

describe("incident grouping", () => {
  it("makes one incident of a callee's fault and its callers' symptoms, and closes it after quiet", () => {
    const t = new IncidentTracker(GRAPH, { quietMs: 30_000, settleMs: 10_000 });
    const first = t.step(0, [state("payments", 2)]);
    expect(first.opened).toHaveLength(1);
    const second = t.step(5000, [state("payments", 3), state("checkout", 4), state("frontend", 2)]);
    expect(second.opened).toHaveLength(0);
    expect(t.openIncidents[0].services).toEqual(["payments", "checkout", "frontend"]);
    t.step(10_000, [state("payments", 3), state("checkout", 4), state("frontend", 2)]);
    expect(t.openIncidents[0].settledSuspects?.[0].service).toBe("payments");
    expect(t.step(35_000, [state("payments", 0.1)]).closed).toHaveLength(0);
    const done = t.step(40_000, []);
    expect(done.closed.map((i) => [i.id, i.closedAtMs, i.peakSeverity])).toEqual([[1, 40_000, 4]]);
    expect(t.openIncidents).toHaveLength(0);
  });

  it("never settles a blip gone before the settle time, and settles one that comes back", () => {
    const t = new IncidentTracker(GRAPH, { quietMs: 30_000, settleMs: 10_000 });
    t.step(0, [state("checkout", 2)]);
    t.step(10_000, [state("checkout", 0.2)]);
    expect(t.openIncidents[0].settledSuspects).toBeUndefined();
    const back = t.step(15_000, [state("checkout", 3)]);
    expect(back.opened).toHaveLength(0);
    expect(t.openIncidents[0].firstSettledSuspects?.map((x) => x.service)).toEqual(["checkout"]);

    const blip = new IncidentTracker(GRAPH, { quietMs: 30_000, settleMs: 10_000 });
    blip.step(0, [state("orders", 2)]);
    for (const atMs of [10_000, 20_000]) blip.step(atMs, [state("orders", 0.1)]);
    expect(blip.openIncidents[0].settledSuspects).toBeUndefined();
    const gone = blip.step(30_000, []).closed;
    // Settled at closing for the record (the status), but never while open: never announced.
    expect(gone.map((i) => [i.id, i.settledSuspects])).toEqual([[1, []]]);
  });

  it("keeps unrelated faults apart, and joins a caller that turns bad later through its callee", () => {
    const t = new IncidentTracker(GRAPH);
    const opened = t.step(0, [state("orders", 2), state("catalog", 2)]).opened;
    expect(opened.map((i) => i.services)).toEqual([["orders"], ["catalog"]]);
    t.step(5000, [state("orders", 2), state("catalog", 2), state("frontend", 3)]);
    expect(t.openIncidents.map((i) => i.services)).toEqual([["orders"], ["catalog", "frontend"]]);
  });

  it("suspects a sub-threshold callee of a member", () => {
    const t = new IncidentTracker(GRAPH, { settleMs: 0 });
    t.step(0, [state("checkout", 3), state("payments", 0.7, false)]);
    expect(t.openIncidents[0].suspects.map((s) => s.service)).toEqual(["payments", "checkout"]);
  });
});

describe("incident grouping, merging", () => {
  it("merges the incident a callee opened after its callers' into theirs, once a service between them connects them", () => {
    const t = new IncidentTracker(GRAPH, { settleMs: 60_000 });
    expect(t.step(0, [state("frontend", 2)]).opened.map((i) => i.id)).toEqual([1]);
    // payments is not next to frontend: an incident of its own, for now.
    expect(t.step(5000, [state("frontend", 2), state("payments", 3)]).opened.map((i) => i.id)).toEqual([2]);
    const r = t.step(10_000, [state("frontend", 2), state("checkout", 2), state("payments", 3)]);
    expect(r.merged.map((m) => [m.incident.id, m.into.id])).toEqual([[2, 1]]);
    expect(t.openIncidents.map((i) => [i.id, i.services])).toEqual([
      [1, ["frontend", "checkout", "payments"]],
    ]);
    expect(t.openIncidents[0].suspects[0].service).toBe("payments");
    expect(t.openIncidents[0].peakSeverity).toBe(3);
  });

  it("merges the newer into the older whether announced or not, and closes it as merged", () => {
    const t = new IncidentTracker(GRAPH, { settleMs: 0 });
    t.step(0, [state("frontend", 2)]);
    t.step(5000, [state("frontend", 2), state("payments", 3)]);
    expect(t.openIncidents.map((i) => i.settledSuspects?.[0].service)).toEqual(["frontend", "payments"]);
    const r = t.step(10_000, [state("frontend", 2), state("checkout", 2), state("payments", 3)]);
    expect(r.merged.map((m) => [m.incident.id, m.into.id])).toEqual([[2, 1]]);
    expect(r.merged[0].incident).toMatchObject({ closedAtMs: 10_000, mergedInto: 1 });
    expect(r.closed).toEqual([]);
    // The older one now names the newer one's suspect: a new first suspect, settled at once here.
    expect(r.resettled.map((i) => i.id)).toEqual([1]);
    expect(t.openIncidents[0].settledSuspects?.[0].service).toBe("payments");
  });

  it("keeps incidents apart when the members next to each other are not both anomalous", () => {
    const t = new IncidentTracker(GRAPH, { settleMs: 60_000 });
    t.step(0, [state("checkout", 2)]);
    t.step(5000, [state("checkout", 2), state("catalog", 2)]);
    // catalog is checkout's neighbour only through frontend, which is not anomalous.
    expect(t.step(10_000, [state("checkout", 2), state("catalog", 2)]).merged).toEqual([]);
    expect(t.openIncidents.map((i) => i.services)).toEqual([["checkout"], ["catalog"]]);
  });
});

describe("incident grouping, a new first suspect", () => {
  it("settles again, once per service, when a callee's later fault takes the first place and holds it", () => {
    const t = new IncidentTracker(GRAPH, { settleMs: 10_000 });
    t.step(0, [state("checkout", 2)]);
    expect(t.step(10_000, [state("checkout", 2)]).resettled).toHaveLength(0);
    const incident = t.openIncidents[0];
    expect(incident.settledSuspects?.map((s) => s.service)).toEqual(["checkout"]);
    // payments' fault begins: it joins (a callee of a member) and explains checkout.
    const bad = [state("checkout", 3), state("payments", 5)];
    expect(t.step(15_000, bad).resettled).toHaveLength(0);
    expect(incident.suspects[0].service).toBe("payments");
    expect(incident.settledSuspects?.[0].service).toBe("checkout");
    const resettled = t.step(25_000, bad).resettled;
    expect(resettled).toEqual([incident]);
    expect(incident.settledSuspects?.[0].service).toBe("payments");
    expect(incident.settledFirsts).toEqual(["checkout", "payments"]);
    // Flickering back to a first suspect already announced settles nothing again.
    const calm = [state("checkout", 4), state("payments", 0.2, false)];
    for (const at of [30_000, 40_000, 50_000]) expect(t.step(at, calm).resettled).toHaveLength(0);
    expect(incident.settledSuspects?.[0].service).toBe("payments");
  });

  it("needs the new first suspect to hold its place for the settle time", () => {
    const t = new IncidentTracker(GRAPH, { settleMs: 10_000 });
    t.step(0, [state("checkout", 2)]);
    t.step(10_000, [state("checkout", 2)]);
    t.step(15_000, [state("checkout", 3), state("payments", 5)]);
    // payments drops back before the settle time: the challenge starts again next time.
    t.step(20_000, [state("checkout", 3), state("payments", 0.1, false)]);
    expect(t.step(25_000, [state("checkout", 3), state("payments", 5)]).resettled).toHaveLength(0);
    expect(t.step(35_000, [state("checkout", 3), state("payments", 5)]).resettled).toHaveLength(1);
  });
});

describe("incident grouping, load against symptoms", () => {
  it("lets a load-only anomaly join an incident but not open one", () => {
    const t = new IncidentTracker(GRAPH);
    const loadOnly = { service: "catalog", anomalous: true, severity: 3, symptomSeverity: 0.1 };
    expect(t.step(0, [loadOnly]).opened).toHaveLength(0);
    t.step(5000, [state("frontend", 2), loadOnly]);
    expect(t.openIncidents.map((i) => i.services)).toEqual([["frontend", "catalog"]]);
  });
});
