/**
 * `npm run simulate`: the optimizer's demo. One scenario, one Meshpilot policy deciding every
 * control interval with its explanation, then the same traffic under Istio's default.
 *
 * Flags: --scenario <file> (default: the brownout), --policy <name> (default: thompson-k2),
 * --seed N, --pace <ms per interval> (slows the output down to watch it).
 */
import { join, relative } from "node:path";
import { DEFAULT_GUARDRAILS } from "../api/guardrail-limits.js";
import { handleCliErrors, parseCli, readUserFile, UsageError } from "../common/cli.js";
import { contender, ISTIO_DEFAULT, trainQLearning } from "./bench/contenders.js";
import { createPolicy, POLICY_NAMES } from "./policy/registry.js";
import { simulateControl } from "./sim/control-loop.js";
import type { SimulationResult } from "./sim/engine.js";
import { parseScenario } from "./sim/scenario.js";
import { UnknownNameError } from "./unknown-name-error.js";

handleCliErrors("simulate");
const USAGE = `usage: npm run simulate -- [--scenario FILE] [--policy ${POLICY_NAMES.join("|")}] [--seed N] [--pace MS]

Runs one scenario under one Meshpilot policy, printing every decision with its explanation, then the
same traffic under Istio's default.`;
const { values } = parseCli(USAGE, {
  scenario: { type: "string", default: join(import.meta.dirname, "scenarios", "brownout.json") },
  policy: { type: "string", default: "thompson-k2" },
  seed: { type: "string", default: "1" },
  pace: { type: "string", default: "0" },
});
const file = values.scenario as string;
const scenario = parseScenario(readUserFile(file, "scenario file"), relative(process.cwd(), file));
const seed = Number(values.seed);
const paceMs = Number(values.pace);
const name = values.policy as string;
if (!(POLICY_NAMES as readonly string[]).includes(name))
  throw new UnknownNameError("--policy", name, POLICY_NAMES);
if (!Number.isInteger(seed) || !(paceMs >= 0))
  throw new UsageError(
    `--seed must be a whole number and --pace at least 0, got '${values.seed}' and '${values.pace}'`,
  );
let pretrained: Awaited<ReturnType<typeof trainQLearning>>["table"] | undefined;
if (name === "q-learning") {
  console.log("Pre-training the Q-table on 10 episodes of this scenario (other seeds)...");
  pretrained = (await trainQLearning(scenario, 10)).table;
}
const policy = createPolicy(name, { pretrained });

console.log(`Scenario ${scenario.name}: ${scenario.description ?? ""}`);
console.log(
  `Policy ${policy.name}, seed ${seed}; objective p99 ${scenario.objectives.p99LatencyMs} ms, errors ${scenario.objectives.errorRate * 100}%\n`,
);
const pause = new Int32Array(new SharedArrayBuffer(4));
const run = await simulateControl(
  { ...scenario.config, seed, routing: { ...scenario.config.routing, ...ISTIO_DEFAULT } },
  policy,
  {
    objectives: scenario.objectives,
    guardrails: DEFAULT_GUARDRAILS,
    hedgingAllowed: true,
    telemetry: scenario.telemetry,
    onDecision(d, observation) {
      const r = d.routing;
      const weights = Object.entries(r.weights)
        .map(([n, w]) => `${n}=${w}`)
        .join(" ");
      const p99 = Object.values(observation.subsets)
        .map((s) => (s.p99Ms === undefined ? "-" : s.p99Ms.toFixed(0)))
        .join("/");
      const hedge = r.retries?.hedge ? `hedge@${r.retries.perTryTimeoutMs}ms` : "no hedge";
      console.log(
        `t=${String(d.atMs / 1000).padStart(4)}s  p99 ${p99.padStart(9)} ms  ${r.algorithm.padEnd(13)} ${weights.padEnd(14)} ${hedge.padEnd(14)} ${d.kind.padEnd(8)} reward ${d.reward?.total.toFixed(2) ?? "-"}`,
      );
      console.log(`          ${d.explanation}`);
      if (paceMs > 0) Atomics.wait(pause, 0, 0, paceMs);
    },
  },
);
const baseline = (await contender("istio-default").run(scenario, seed)).result;

const line = (name: string, r: SimulationResult) =>
  `${name.padEnd(16)} p50 ${r.p50Ms.toFixed(1).padStart(7)} ms  p99 ${r.p99Ms.toFixed(1).padStart(7)} ms  p99.9 ${r.p999Ms.toFixed(1).padStart(7)} ms  errors ${((r.errors / r.completed) * 100).toFixed(3)}%  extra load ${(r.extraLoad * 100).toFixed(1)}%`;
console.log("\nSame traffic, same seed:");
console.log(line(policy.name, run.result));
console.log(line("istio-default", baseline));
const change = (run.result.p99Ms / baseline.p99Ms - 1) * 100;
console.log(`\np99 ${change <= 0 ? "down" : "up"} ${Math.abs(change).toFixed(0)}% against Istio's default.`);
