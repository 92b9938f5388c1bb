/**
 * Tabular Q-learning: the value table, its update rule and epsilon-greedy choice with decay.
 *
 * States and actions are strings chosen by the policy that uses the table (a discretized
 * observation, a routing change). The table is plain JSON, so one trained in the simulator can
 * seed the controller, and a human can read what it learned.
 */
import type { Random } from "../../common/random.js";

export interface QLearningParameters {
  /** Learning rate. */
  readonly alpha: number;
  /** Discount of future reward. */
  readonly gamma: number;
  /** Exploration probability at the start, its floor, and its decay per decision. */
  readonly epsilonStart: number;
  readonly epsilonMin: number;
  readonly epsilonDecay: number;
}

export const DEFAULT_Q_PARAMETERS: QLearningParameters = {
  alpha: 0.2,
  gamma: 0.9,
  epsilonStart: 0.3,
  epsilonMin: 0.02,
  epsilonDecay: 0.995,
};

/** The table and the count of decisions taken, which sets the current epsilon. */
export interface QTable {
  readonly actions: readonly string[];
  readonly values: Readonly<Record<string, readonly number[]>>;
  readonly decisions: number;
}

export const Q_TABLE_FORMAT = "meshpilot.q-table/v1";

export function emptyQTable(actions: readonly string[]): QTable {
  return { actions: [...actions], values: {}, decisions: 0 };
}

/** Q(s, ·), zeros for a state never seen. */
export function qValues(table: QTable, state: string): readonly number[] {
  return table.values[state] ?? table.actions.map(() => 0);
}

export function epsilon(table: QTable, p: QLearningParameters): number {
  return Math.max(p.epsilonMin, p.epsilonStart * p.epsilonDecay ** table.decisions);
}

/** The greedy action; ties go to the earliest action, so "hold" listed first wins a tie. */
export function greedyAction(table: QTable, state: string): number {
  const q = qValues(table, state);
  let best = 0;
  for (let i = 1; i < q.length; i++) if (q[i] > q[best]) best = i;
  return best;
}

/** Epsilon-greedy choice; returns the action index and whether it explored. */
export function chooseAction(
  table: QTable,
  state: string,
  p: QLearningParameters,
  random: Random,
): { action: number; explored: boolean } {
  if (random.uniform() < epsilon(table, p))
    return { action: random.int(table.actions.length), explored: true };
  return { action: greedyAction(table, state), explored: false };
}

/**
 * One Q-learning step: Q(s,a) += alpha * (r + gamma * max_a' Q(s',a') - Q(s,a)).
 *
 * @returns the new table (the old one is not modified) and the temporal-difference error
 */
export function qUpdate(
  table: QTable,
  transition: { state: string; action: number; reward: number; next: string },
  p: QLearningParameters,
): { table: QTable; tdError: number } {
  const q = [...qValues(table, transition.state)];
  const target = transition.reward + p.gamma * Math.max(...qValues(table, transition.next));
  const tdError = target - q[transition.action];
  q[transition.action] += p.alpha * tdError;
  return {
    table: { ...table, values: { ...table.values, [transition.state]: q }, decisions: table.decisions + 1 },
    tdError,
  };
}

/** The table as versioned JSON, states sorted so the file diffs cleanly. */
export function exportQTable(table: QTable): string {
  const values = Object.fromEntries(
    Object.keys(table.values)
      .sort()
      .map((s) => [s, table.values[s]]),
  );
  return `${JSON.stringify({ format: Q_TABLE_FORMAT, actions: table.actions, decisions: table.decisions, values }, null, 2)}\n`;
}

/** Reads a table written by exportQTable, refusing anything that does not match the format. */
export function importQTable(json: string, expectedActions?: readonly string[]): QTable {
  const data = JSON.parse(json) as {
    format?: unknown;
    actions?: unknown;
    decisions?: unknown;
    values?: unknown;
  };
  if (data.format !== Q_TABLE_FORMAT)
    throw new Error(`Q-table: 'format' is ${JSON.stringify(data.format)} but must be "${Q_TABLE_FORMAT}"`);
  if (!Array.isArray(data.actions) || !data.actions.every((a) => typeof a === "string")) {
    throw new Error("Q-table: 'actions' must be a list of action names");
  }
  if (expectedActions && JSON.stringify(data.actions) !== JSON.stringify(expectedActions)) {
    throw new Error(
      `Q-table: 'actions' are ${JSON.stringify(data.actions)} but this policy uses ${JSON.stringify(expectedActions)}`,
    );
  }
  if (!Number.isInteger(data.decisions) || (data.decisions as number) < 0)
    throw new Error("Q-table: 'decisions' must be a whole number");
  const values = (data.values ?? {}) as Record<string, unknown>;
  for (const [state, q] of Object.entries(values)) {
    if (!Array.isArray(q) || q.length !== data.actions.length || !q.every((v) => Number.isFinite(v))) {
      throw new Error(`Q-table: 'values.${state}' must hold ${data.actions.length} finite numbers`);
    }
  }
  return {
    actions: data.actions as string[],
    decisions: data.decisions as number,
    values: values as Record<string, number[]>,
  };
}
