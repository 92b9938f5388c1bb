/**
 * Pre-trains the Q-learning table the optimizer image ships with, over a curriculum of randomized
 * scenarios (controller/sim/curriculum.ts): replica count, load, heterogeneity, service-time
 * distribution, and the kind, size and timing of the fault all vary, one episode each. None of the
 * bundled scenarios is in it, so the bench judges the shipped table on every one of them as on
 * meshes it has never seen. New q-learning intents start from this table instead of from zeros.
 *
 *   npm run pretrain                       # writes controller/pretrained/q-table.json
 *   npm run pretrain -- --episodes 40 --seed 7
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { PRETRAINED_PATH } from "../api/optimizer.js";
import { handleCliErrors, parseCli, UsageError } from "../common/cli.js";
import { trainQLearning } from "./bench/contenders.js";
import { exportQTable, type QTable } from "./policy/q-table.js";
import { curriculumScenario } from "./sim/curriculum.js";

handleCliErrors("pretrain");
const { values } = parseCli(
  `usage: npm run pretrain -- [--episodes N] [--seed N] [--out FILE]

Trains the Q-table the optimizer image ships on a curriculum of randomized scenarios.`,
  {
    episodes: { type: "string", default: "120" },
    seed: { type: "string", default: "1" },
    out: { type: "string", default: PRETRAINED_PATH },
  },
);
const episodes = Number(values.episodes);
const seed = Number(values.seed);
if (!Number.isInteger(episodes) || episodes < 1 || !Number.isInteger(seed) || seed < 0)
  throw new UsageError(
    `--episodes must be a whole number from 1 and --seed one from 0, got '${values.episodes}' and '${values.seed}'`,
  );
let table: QTable | undefined;
const started = performance.now();
const rewards: number[] = [];
for (let i = 0; i < episodes; i++) {
  const trained = await trainQLearning(curriculumScenario(seed, i), 1, table);
  table = trained.table;
  rewards.push(trained.curve[0]);
  if ((i + 1) % 20 === 0) {
    const last = rewards.slice(-20);
    console.log(
      `${i + 1} episodes: mean reward of the last 20 ${(last.reduce((a, b) => a + b, 0) / last.length).toFixed(3)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
}
mkdirSync(values.out.split("/").slice(0, -1).join("/") || ".", { recursive: true });
writeFileSync(values.out, exportQTable(table as QTable));
console.log(
  `wrote ${values.out}: ${Object.keys((table as QTable).values).length} states, ${(table as QTable).decisions} decisions`,
);
