/**
 * `npm run bench:autoscaling`: every workload trace through the HPA as the tree configures it,
 * Meshpilot's predictive scaler (with each forecaster) over that HPA, and an oracle that knows the
 * load ahead, over seeds. Writes DIR/AUTOSCALING.md, DIR/autoscaling/results.json and a plot per
 * trace (default DIR: dist/bench/; `npm run bench:autoscaling -- --out docs` updates the committed one).
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { handleCliErrors, parseCli, readUserFile, UsageError } from "../../common/cli.js";
import { renderSvg, svgToPng } from "../../common/plot.js";
import {
  type AutoscalingResult,
  CONTENDERS,
  type ContenderName,
  runAutoscaling,
  scalerSettingsFor,
  TICK_MS,
} from "../autoscaling/autoscaling-run.js";
import { HPA_SYNC_PERIOD_MS, HPA_TOLERANCE } from "../autoscaling/hpa-model.js";
import { autoscalingProfile, readyTimeQuantileMs } from "../autoscaling/profile.js";
import { applyPolicy, parseScalingPolicy } from "../autoscaling/scaling-policy.js";
import { sloUtilization } from "../autoscaling/service-model.js";
import { parseTrace, type Trace, traceFromCsv } from "../autoscaling/trace.js";
import { autoscalingPlot } from "./autoscaling-plot.js";
import {
  type AutoscalingRow,
  autoscalingTargets,
  forecastAccuracy,
  MESHPILOT,
  summarizeAutoscaling,
  totals,
} from "./autoscaling-report.js";

const TRACE_DIR = join(import.meta.dirname, "..", "scenarios", "traces");

const USAGE = `usage: npm run bench:autoscaling -- [--trace FILE ...] [--csv FILE --step-seconds N] [--policy FILE] [--seeds N] [--out DIR]

Runs every workload trace (default: controller/scenarios/traces/) through the HPA, the predictive
scaler and the oracle, and writes DIR/AUTOSCALING.md, DIR/autoscaling/results.json and the plots
(default DIR: dist/bench/). --csv replays your own "timestamp,value" series as one more trace;
--policy sets the scaler's guardrails and forecaster from a JSON scaling policy.`;

handleCliErrors("bench:autoscaling");

async function main(): Promise<void> {
  const { values } = parseCli(USAGE, {
    trace: { type: "string", multiple: true },
    csv: { type: "string" },
    "step-seconds": { type: "string", default: "60" },
    policy: { type: "string" },
    seeds: { type: "string", default: "3" },
    out: { type: "string", default: join(import.meta.dirname, "..", "..", "dist", "bench") },
  });
  const seeds = Number(values.seeds);
  if (!Number.isInteger(seeds) || seeds < 1)
    throw new UsageError(`--seeds must be a whole number of at least 1, got '${values.seeds}'`);
  const stepSeconds = Number(values["step-seconds"]);
  if (!Number.isInteger(stepSeconds) || stepSeconds < 1 || 60 % stepSeconds !== 0)
    throw new UsageError(`--step-seconds must divide a minute, got '${values["step-seconds"]}'`);
  const files =
    values.trace ??
    readdirSync(TRACE_DIR)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => join(TRACE_DIR, f));
  const traces: Trace[] = files.map((f) => parseTrace(readUserFile(f, "trace"), relative(process.cwd(), f)));
  if (typeof values.csv === "string")
    traces.push(
      traceFromCsv(readUserFile(values.csv, "CSV"), relative(process.cwd(), values.csv), stepSeconds),
    );
  const out = values.out as string;
  const profile = autoscalingProfile();
  const policy =
    typeof values.policy === "string"
      ? parseScalingPolicy(
          readUserFile(values.policy, "scaling policy"),
          relative(process.cwd(), values.policy),
        )
      : {};
  const settings = applyPolicy(scalerSettingsFor(profile, 60_000), policy);
  const judged: ContenderName = policy.forecaster ? `predictive-${policy.forecaster}` : MESHPILOT;

  const results: AutoscalingResult[] = [];
  for (const trace of traces)
    for (const contender of CONTENDERS)
      for (let seed = 1; seed <= seeds; seed++) {
        const r = runAutoscaling(trace, profile, contender, { seed, policy });
        results.push(r);
        process.stderr.write(
          `${trace.name} x ${contender} x seed ${seed}: ${r.sloViolationMinutes} violation minutes, ${r.replicaMinutes} replica-minutes, ${r.spikeScaleUps} spike scale-ups\n`,
        );
      }
  const rows = summarizeAutoscaling(results);
  const targets = autoscalingTargets(rows, judged);
  const horizonSteps = Math.max(1, Math.ceil(settings.horizonMs / 60_000));
  const accuracy = traces.flatMap((t) => forecastAccuracy(t, horizonSteps, settings.quantile));

  const dir = join(out, "autoscaling");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "results.json"),
    `${JSON.stringify(
      {
        seeds,
        profile,
        scaler: settings,
        summary: rows,
        targets,
        accuracy,
        runs: results.map(({ timeline: _t, explanations, ...r }) => ({
          ...r,
          explanations: explanations.slice(0, 20),
        })),
      },
      null,
      2,
    )}\n`,
  );
  const plots: string[] = [];
  for (const trace of traces) {
    const name = trace.name.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-|-$/g, "");
    const svg = await renderSvg(
      autoscalingPlot(
        trace,
        results.filter((r) => r.seed === 1),
        ["hpa", judged, "oracle"],
        profile.service.p99ObjectiveMs,
      ),
    );
    writeFileSync(join(dir, `${name}.svg`), svg);
    writeFileSync(join(dir, `${name}.png`), svgToPng(svg));
    plots.push(`![${trace.name}](autoscaling/${name}.png)`);
  }

  const p50 = Math.round(readyTimeQuantileMs(profile.startup, 0.5) / 1000);
  const p90 = Math.round(settings.horizonMs / 1000);
  const s = profile.startup;
  const doc = [
    "# Predictive autoscaling against the HPA",
    "",
    `Generated by \`npm run bench:autoscaling -- --out docs\`; do not edit by hand. ${seeds} seeds per trace and contender (the seed draws every replica's start-up and node delay; a trace's load is fixed by its own seed). \`docs/autoscaling/results.json\` holds every run.`,
    "",
    "## Targets",
    "",
    `Over all ${traces.length} traces, Meshpilot's scaler (\`${judged}\`) against the HPA as the tree configures it${typeof values.policy === "string" ? `, with the scaling policy ${relative(process.cwd(), values.policy)}` : ""}:`,
    "",
    "| target | measured | result |",
    "|---|---|---|",
    ...targets.map((t) => `| ${t.name} | ${t.figure} | ${t.met ? "met" : "**missed**"} |`),
    "",
    ...spikeNote(rows, traces, judged),
    "## Per trace",
    "",
    "Means over the seeds. A minute violates the objective when more than 1% of its requests are slower than the p99 objective. Replica-minutes count every pod that exists, ready or starting. A spike scale-up is one made during a spike or in the minute after it.",
    "",
    "| trace | contender | SLO-violation minutes | replica-minutes | scale-ups | spike scale-ups | failed requests |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.trace} | ${r.contender} | ${r.sloViolationMinutes} | ${r.replicaMinutes} | ${r.scaleUps} | ${r.spikeScaleUps} | ${r.failedRequests} |`,
    ),
    "",
    "## Forecast accuracy",
    "",
    `Each forecaster, fed the trace one minute at a time, forecasts ${horizonSteps} minutes ahead (the scaler's horizon) at every minute from the third day on, when Holt-Winters has its two seasons. sMAPE of the mean forecast, and how often the load stayed at or under the p${Math.round(settings.quantile * 100)} upper band (it should be about ${settings.quantile}).`,
    "",
    "| trace | forecaster | sMAPE (%) | p90 coverage |",
    "|---|---|---:|---:|",
    ...accuracy.map((a) => `| ${a.trace} | ${a.forecaster} | ${a.smape} | ${a.coverage} |`),
    "",
    "## Over time",
    "",
    ...plots.flatMap((p) => [p, ""]),
    "## What is simulated",
    "",
    `- **The service**: the shop model's ${profile.serviceName}, objective p99 ${profile.service.p99ObjectiveMs} ms, ${profile.hpa.minReplicas} to ${profile.hpa.maxReplicas} replicas. Each replica is an M/M/1 queue serving ${profile.service.capacityRps} requests per second at 100% of its CPU request, plus ${profile.service.baseLatencyMs} ms outside its queue; the objective holds up to ${Math.round(sloUtilization(profile.service) * 100)}% utilization. Load is spread evenly over ready replicas; beyond capacity it queues, and fails after ${profile.service.timeoutMs / 1000} s.`,
    `- **Start-up**: ${Math.round(s.imageCachedShare * 100)}% of new pods find the image cached; otherwise the pull takes ${s.pull.meanSeconds} s on average (cv ${s.pull.cv}); the container starts in ${s.start.meanSeconds} s (cv ${s.start.cv}); the readiness probe passes ${s.readinessSeconds[0]} to ${s.readinessSeconds[1]} s later.${s.nodes ? ` Nodes hold ${s.nodes.podsPerNode} pods; a pod that fits nowhere waits for Karpenter to launch a node, ${s.nodes.provision.meanSeconds} s on average (cv ${s.nodes.provision.cv}); an empty node goes after ${s.nodes.emptyForSeconds} s.` : ""} From asking to ready with a new node: p50 ${p50} s, p90 ${p90} s.`,
    `- **The HPA** (controller/autoscaling/hpa-model.ts, each constant cited there): CPU target ${Math.round(profile.hpa.targetUtilization * 100)}% (MeshService's default), tolerance ${HPA_TOLERANCE}, a sync every ${HPA_SYNC_PERIOD_MS / 1000} s, unready pods counted at 0% on a scale-up, scale-up by the larger of 4 pods or 100% per 15 s, scale-down after a ${profile.hpa.scaleDown.stabilizationWindowSeconds} s stabilization window. It reads the mean utilization of a 15 s window that ended 15 s before the sync (metrics-server's resolution).`,
    `- **The predictive scaler** (controller/autoscaling/scaler.ts): every minute, one scrape (15 s) after the minute ended, it reads the minute's request rate and utilization, learns each replica's capacity, and sets the HPA's minReplicas for ${Math.round(settings.horizonMs / 1000)} s ahead (the p90 ready time) from the forecast's p${Math.round(settings.quantile * 100)} band at ${Math.round(settings.targetUtilization * 100)}% utilization. An excursion above the band is kept out of the forecast for ${Math.round(settings.spikeFilterMs / 1000)} s unless it keeps growing by a quarter per minute; announced ramps scale the forecast ahead of time. Guardrails: +${settings.maxStep} replicas per decision, ${settings.minReplicas} to ${settings.maxReplicas}, ${settings.budgetReplicaMinutesPerDay} replica-minutes a day above the HPA's own choice, minReplicas lowered only to the highest need of the last ${settings.downStabilizationMs / 60_000} minutes. While it forecasts, it also sets the HPA's scale-up stabilization window to ${Math.round(settings.floorScaleUpWindowMs / 1000)} s: a jump waits for the scaler's next reading before more pods start, so a spike the scaler does not follow is not chased by the HPA either, while one it follows raises minReplicas, which applies at once. While it holds (no forecast yet, telemetry missing), the HPA runs as the tree configures it.`,
    "- **Forecasters** (controller/autoscaling/online-forecast.ts), fed one minute at a time: seasonal naive (tomorrow repeats today), additive Holt-Winters (its smoothing constants chosen every 6 hours by the smallest one-step error, updated every minute in between), and an LSTM written in TypeScript (controller/autoscaling/lstm.ts: 30 minutes in, with the time of day, 12 hidden units, the next 4 minutes out, retrained every day). Each gives an upper band from its recent one-step errors; until it has the history it needs, the next simpler one stands in, and before a day of history the scaler holds and the HPA acts alone.",
    `- **The oracle** knows the load ${p90} s ahead and sets replicas for it at the target utilization, under the same start-up delays: what perfect foresight costs.`,
    `- Ticks of ${TICK_MS / 1000} s; each trace's load is constant within its step.`,
    "",
  ].join("\n");
  writeFileSync(join(out, "AUTOSCALING.md"), doc);
  process.stdout.write(
    `${targets.map((t) => `${t.met ? "met" : "MISSED"}: ${t.name}: ${t.figure}`).join("\n")}\nwrote ${join(out, "AUTOSCALING.md")}\n`,
  );
}

/**
 * A spike ends before any replica asked for during it can be ready, so no contender that reacts can
 * avoid its minutes; the split shows how much of the total they are.
 */
function spikeNote(
  rows: readonly AutoscalingRow[],
  traces: readonly Trace[],
  judged: ContenderName,
): string[] {
  const spiky = new Set(traces.filter((t) => t.events.some((e) => e.kind === "spike")).map((t) => t.name));
  if (spiky.size === 0 || spiky.size === traces.length) return [];
  const sum = (contender: ContenderName, withSpikes: boolean) =>
    totals(
      rows.filter((r) => spiky.has(r.trace) === withSpikes),
      contender,
    ).sloViolationMinutes;
  const ratio = (a: number, b: number) => (b === 0 ? "n/a" : `${(a / b).toFixed(2)}×`);
  const [oursCalm, hpaCalm, oursSpiky, hpaSpiky] = [
    sum(judged, false),
    sum("hpa", false),
    sum(judged, true),
    sum("hpa", true),
  ];
  return [
    `Split by trace: with transient spikes (${[...spiky].join(", ")}), ${oursSpiky} vs ${hpaSpiky} violation minutes (${ratio(oursSpiky, hpaSpiky)}); without them, ${oursCalm} vs ${hpaCalm} (${ratio(oursCalm, hpaCalm)}). A spike is over before a replica asked for during it is ready, so scaling, reactive or predictive, cannot avoid its minutes; only capacity held in advance could, and the oracle, which knows the spikes are coming, shows that.`,
    "",
  ];
}

await main();
