/**
 * The recent changes the optimizer's own process sees: routing it wrote for an intent (a change, a
 * rollback, a restore) and remediation the AIOps layer carried out. Root-cause ranking reads them
 * (`rankChanges`), so "the optimizer moved 30% to v2 a minute before payments broke" is evidence.
 * Bounded, newest kept; in memory, as the decisions themselves are in the audit trail.
 */
import type { AuditRecord } from "../telemetry/audit.js";
import type { Change } from "./root-cause.js";

const KEPT = 500;

export class ChangeLog {
  private readonly changes: Change[] = [];

  constructor(private readonly kept = KEPT) {}

  record(change: Change): void {
    this.changes.push(change);
    if (this.changes.length > this.kept) this.changes.splice(0, this.changes.length - this.kept);
  }

  /** Changes at or after `sinceMs`, oldest first. */
  since(sinceMs: number): Change[] {
    return this.changes.filter((c) => c.atMs >= sinceMs);
  }
}

const WRITES = new Set(["change", "rollback", "restore"]);

/** A routing write from the traffic optimizer's audit line, or undefined when it wrote nothing. */
export function routingChange(record: AuditRecord): Change | undefined {
  if (!WRITES.has(record.kind) || record.write?.ok !== true || record.host === undefined) return undefined;
  const weights = record.to?.weights;
  const shown =
    weights === undefined
      ? ""
      : ` to ${Object.entries(weights)
          .map(([v, w]) => `${v} ${w}%`)
          .join(", ")}`;
  return {
    atMs: Date.parse(record.at),
    // The service is the host's first label: catalog.shop.svc.cluster.local is catalog.
    service: record.host.split(".")[0],
    kind: "optimizer",
    description: `the optimizer's ${record.kind} of ${record.intent}'s routing${shown}`,
    undo: `kubectl -n ${record.intent.split("/")[0]} patch trafficintent ${record.intent.split("/")[1]} --type merge -p '{"spec":{"mode":"observe"}}' (restores the routing Git declared)`,
  };
}
