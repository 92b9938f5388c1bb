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

describe("incident grouping, load against symptoms", () => {
  it("lets a load-only anomaly join an incident but not open one", () => {
    const t = new IncidentTracker(GRAPH);
    const loadOnly = { service: "catalog", anomalous: true, severity: 3, symptomSeverity: 0.1 };
    expect(t.step(0, [loadOnly]).opened).toHaveLength(0);
    t.step(5000, [state("frontend", 2), loadOnly]);
    expect(t.openIncidents.map((i) => i.services)).toEqual([["frontend", "catalog"]]);
  });
});
