/**
 * What `npm run bench:aiops` reports, computed from a live run's record alone: each method's
 * scores, the targets with their figures, a row per fault, time to recovery with remediation on
 * and off, and the first incident summaries.
 */
import { type MethodScore, scoreMethod } from "../aiops/evaluation.js";
import type { LiveRun, Method } from "./aiops-live.js";
import { METHODS } from "./aiops-live.js";

export interface Target {
  readonly name: string;
  readonly figure: string;
  readonly met: boolean;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const secs = (ms: number | undefined) => (ms === undefined ? "–" : `${Math.round(ms / 1000)} s`);

export function scoreRun(run: LiveRun, graceMs: number): MethodScore[] {
  return METHODS.map((m) =>
    scoreMethod(m, run.alarms[m], run.faults, { graceMs, fromMs: run.warmupMs, toMs: run.endMs }),
  );
}

const byMethod = (scores: readonly MethodScore[], m: Method) =>
  scores.find((s) => s.method === m) as MethodScore;

export function aiopsTargets(scores: readonly MethodScore[]): Target[] {
  const ours = byMethod(scores, "meshpilot");
  const burn = byMethod(scores, "burn-rate-alerts");
  // Earlier: on the faults both detected, ours first more often than not; and every fault the
  // burn-rate alerts caught, caught by ours too.
  const both = ours.perFault.filter(
    (p, i) => p.detectMs !== undefined && burn.perFault[i].detectMs !== undefined,
  );
  const earlier = both.filter(
    (p) => (p.detectMs as number) < (burn.perFault.find((b) => b.id === p.id)?.detectMs as number),
  );
  const missedByOurs = burn.perFault.filter(
    (b) => b.detectMs !== undefined && ours.perFault.find((p) => p.id === b.id)?.detectMs === undefined,
  ).length;
  const detectedOnlyByOurs = ours.perFault.filter(
    (p) => p.detectMs !== undefined && burn.perFault.find((b) => b.id === p.id)?.detectMs === undefined,
  ).length;
  return [
    {
      name: "Detect earlier than the burn-rate alerts",
      figure: `ours detected ${ours.perFault.filter((p) => p.detectMs !== undefined).length} faults (median ${secs(ours.medianDetectMs)}), the burn-rate alerts ${burn.perFault.filter((p) => p.detectMs !== undefined).length} (median ${secs(burn.medianDetectMs)}); of the ${both.length} both caught, ours was first on ${earlier.length}; ${detectedOnlyByOurs} caught by ours alone, ${missedByOurs} by the alerts alone`,
      met: missedByOurs === 0 && earlier.length === both.length && detectedOnlyByOurs + both.length > 0,
    },
    {
      name: "With no more false alarms than the burn-rate alerts",
      figure: `${ours.falseAlarms} false alarms (${ours.falseAlarmsPerHour.toFixed(2)} per healthy hour) vs ${burn.falseAlarms} (${burn.falseAlarmsPerHour.toFixed(2)})`,
      met: ours.falseAlarms <= burn.falseAlarms,
    },
    {
      name: "Top-1 root cause at least 80%",
      figure: `${pct(ours.top1)} of the detected faults (top-3: ${pct(ours.top3)})`,
      met: ours.top1 >= 0.8,
    },
    {
      name: "Recall at least 90% for faults that breach an SLO",
      figure: `${pct(ours.recallSloBreaching)} of ${ours.sloFaults}`,
      met: ours.sloFaults > 0 && ours.recallSloBreaching >= 0.9,
    },
  ];
}

export function methodTable(scores: readonly MethodScore[]): string[] {
  return [
    "| method | alarms | false alarms | precision | recall | recall, SLO-breaching faults | median time to detect | top-1 root cause | top-3 | false alarms per healthy hour |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...scores.map(
      (s) =>
        `| ${s.method} | ${s.alarms} | ${s.falseAlarms} | ${pct(s.precision)} | ${pct(s.recall)} | ${pct(s.recallSloBreaching)} of ${s.sloFaults} | ${secs(s.medianDetectMs)} | ${pct(s.top1)} | ${pct(s.top3)} | ${s.falseAlarmsPerHour.toFixed(2)} |`,
    ),
  ];
}

export function faultTable(run: LiveRun, scores: readonly MethodScore[]): string[] {
  return [
    `| fault | service | kind | knobs | from | for | breached an SLO | ${METHODS.map((m) => `${m}: detected after, first suspect`).join(" | ")} |`,
    `|---|---|---|---|---:|---:|---|${METHODS.map(() => "---").join("|")}|`,
    ...run.schedule.map((f, i) => {
      const cells = scores.map((s) => {
        const p = s.perFault[i];
        return p.detectMs === undefined ? "missed" : `${secs(p.detectMs)}, ${p.suspects[0] ?? "–"}`;
      });
      const knobs = Object.entries(f.knobs)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
      const where = f.replica !== undefined ? `${f.service} (one replica of several)` : f.service;
      return `| ${f.id} | ${where} | ${f.kind} | ${knobs} | +${Math.round(f.startMs / 1000)} s | ${Math.round((f.endMs - f.startMs) / 1000)} s | ${run.faults[i].breachedSlo ? "yes" : "no"} | ${cells.join(" | ")} |`;
    }),
  ];
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Time to recovery of the pod faults, remediation on against off: one line per arm, then a row per fault. */
export function recoveryReport(run: LiveRun): { lines: string[]; table: string[] } {
  if (run.recovery.length === 0) return { lines: [], table: [] };
  const arm = (a: "act" | "none") => {
    const faults = run.recovery.filter((r) => r.arm === a);
    const recovered = faults.flatMap((r) => (r.ttrMs === undefined ? [] : [r.ttrMs]));
    const restarts = faults.flatMap((r) => r.restarts);
    return { faults, recovered, restarts };
  };
  const on = arm("act");
  const off = arm("none");
  const describe = (x: ReturnType<typeof arm>) =>
    `median time to recovery ${secs(median(x.recovered))} over ${x.recovered.length} of ${x.faults.length} pod faults (the rest never showed, or never cleared before the next fault)`;
  return {
    lines: [
      `- **Remediation on (act mode):** ${describe(on)}; ${on.restarts.length} restarts, asked a median ${secs(median(on.restarts.map((r) => r.afterMs)))} after the fault began, the replica out of rotation a median ${secs(median(on.restarts.flatMap((r) => (r.outMs === undefined ? [] : [r.outMs]))))}.`,
      `- **Remediation off:** ${describe(off)}; ${off.restarts.length} restarts. Here the fault ends when its scheduled length runs out, which stands in for a person noticing and acting: without anyone, a wedged pod stays wedged.`,
    ],
    table: [
      "| fault | pod | kind | remediation | scheduled length | time to recovery | restarts (asked after, out for) |",
      "|---|---|---|---|---:|---:|---|",
      ...run.recovery.map(
        (r) =>
          `| ${r.fault} | ${r.pod} | ${r.kind} | ${r.arm === "act" ? "on" : "off"} | ${secs(r.faultMs)} | ${r.ttrMs === undefined ? "not recovered" : secs(r.ttrMs)} | ${r.restarts.map((x) => `${x.pod}: ${secs(x.afterMs)}, ${secs(x.outMs)}`).join("; ") || "none"} |`,
      ),
    ],
  };
}
