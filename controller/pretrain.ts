/**
 * Pre-trains the Q-learning table the optimizer image ships with: episodes of the four core
 * scenarios in turn, in the simulator, with training seeds that never overlap the benchmark's
 * evaluation seeds. New q-learning intents start from this table instead of from zeros. The other
 * bundled scenarios stay out of training, so the bench can judge the shipped table on scenarios
 * it has never seen.
 *
 *   npm run pretrain                       # writes controller/pretrained/q-table.json
 *   npm run pretrain -- --episodes 10
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { PRETRAINED_PATH } from "../api/optimizer.js";
import { trainQLearning } from "./bench/contenders.js";
import { CORE_SCENARIOS } from "./bench/report.js";
import { exportQTable, type QTable } from "./policy/q-table.js";
import { parseScenario } from "./sim/scenario.js";

const { values } = parseArgs({
  options: { episodes: { type: "string", default: "20" }, out: { type: "string", default: PRETRAINED_PATH } },
});
const episodes = Number(values.episodes);
if (!Number.isInteger(episodes) || episodes < 1) {
  console.error(`pretrain: --episodes must be a whole number from 1, got '${values.episodes}'`);
  process.exit(2);
}
let table: QTable | undefined;
for (const name of CORE_SCENARIOS) {
  const file = `controller/scenarios/${name}.json`;
  const scenario = parseScenario(readFileSync(file, "utf8"), file);
  const started = performance.now();
  const trained = await trainQLearning(scenario, episodes, table);
  table = trained.table;
  console.log(
    `${scenario.name}: ${episodes} episodes, mean reward last ${trained.curve.at(-1)?.toFixed(3)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}
mkdirSync(values.out.split("/").slice(0, -1).join("/") || ".", { recursive: true });
writeFileSync(values.out, exportQTable(table as QTable));
console.log(
  `wrote ${values.out}: ${Object.keys((table as QTable).values).length} states, ${(table as QTable).decisions} decisions`,
);
