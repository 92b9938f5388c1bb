/**
 * Log-template mining, Drain-style (He, Zhu, Zheng and Lyu, "Drain: An Online Log Parsing Approach
 * with Fixed Depth Tree", ICWS 2017), for the incident summary: which kinds of log line are new, or
 * far more frequent, in an incident's window than in the baseline.
 *
 * Each line is split into tokens; tokens that are obviously variables (numbers, hex ids, UUIDs,
 * addresses, durations) are masked first. A line then walks a tree of fixed depth: by its token
 * count, then by its first tokens (a token with a digit goes down the wildcard branch), to a leaf of
 * templates. It joins the most similar template there if at least `similarity` of the positions
 * match, turning the positions that differ into wildcards; otherwise it starts a template of its own.
 */

export interface MinerOptions {
  /** Tokens of the line, after its length, that pick the branch: Drain's depth − 2. */
  readonly prefixTokens?: number;
  /** Share of positions that must match for a line to join a template. */
  readonly similarity?: number;
  /** Most children of one tree node before new first tokens go to the wildcard branch. */
  readonly maxChildren?: number;
}

export interface Template {
  readonly id: number;
  readonly tokens: readonly string[];
  readonly count: number;
}

export const WILDCARD = "<*>";

const MASKS: readonly RegExp[] = [
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^\d{1,3}(\.\d{1,3}){3}(:\d+)?$/,
  /^(0x)?[0-9a-f]{12,}$/i,
  /^-?\d+(\.\d+)?(ms|s|m|h|%|kb|mb|gb)?$/i,
];

function tokenize(line: string): string[] {
  return line
    .trim()
    .split(/\s+/)
    .filter((t) => t !== "")
    .map((t) => (MASKS.some((m) => m.test(t)) ? WILDCARD : t));
}

interface Cluster {
  id: number;
  tokens: string[];
  count: number;
}

interface TreeNode {
  readonly children: Map<string, TreeNode>;
  readonly clusters: Cluster[];
}

const node = (): TreeNode => ({ children: new Map(), clusters: [] });

export class LogTemplateMiner {
  private readonly root = node();
  private readonly all: Cluster[] = [];
  private readonly prefixTokens: number;
  private readonly similarity: number;
  private readonly maxChildren: number;

  constructor(o: MinerOptions = {}) {
    this.prefixTokens = o.prefixTokens ?? 2;
    this.similarity = o.similarity ?? 0.5;
    this.maxChildren = o.maxChildren ?? 100;
  }

  /** Adds one line; returns its template, and whether this line started it. */
  add(line: string): { template: Template; isNew: boolean } {
    const tokens = tokenize(line);
    const leaf = this.leafFor(tokens);
    let best: Cluster | undefined;
    let bestScore = -1;
    for (const c of leaf.clusters) {
      const score = similarity(c.tokens, tokens);
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    if (best && bestScore >= this.similarity) {
      best.tokens = best.tokens.map((t, i) => (t === tokens[i] ? t : WILDCARD));
      best.count++;
      return { template: snapshot(best), isNew: false };
    }
    const cluster: Cluster = { id: this.all.length + 1, tokens, count: 1 };
    leaf.clusters.push(cluster);
    this.all.push(cluster);
    return { template: snapshot(cluster), isNew: true };
  }

  /** The template a line would join, without learning from it; undefined when it fits none. */
  match(line: string): Template | undefined {
    const tokens = tokenize(line);
    const leaf = this.leafFor(tokens, false);
    const best = leaf?.clusters
      .map((c) => ({ c, score: similarity(c.tokens, tokens) }))
      .filter((x) => x.score >= this.similarity)
      .sort((a, b) => b.score - a.score)[0];
    return best && snapshot(best.c);
  }

  templates(): Template[] {
    return this.all.map(snapshot);
  }

  private leafFor(tokens: readonly string[], grow = true): TreeNode {
    const path = [String(tokens.length)];
    for (let i = 0; i < Math.min(this.prefixTokens, tokens.length); i++)
      path.push(/\d/.test(tokens[i]) ? WILDCARD : tokens[i]);
    let at = this.root;
    for (const key of path) {
      let next = at.children.get(key);
      if (!next) {
        // A node with too many children sends new keys down one shared wildcard branch.
        const k = at.children.size >= this.maxChildren ? WILDCARD : key;
        next = at.children.get(k);
        if (!next) {
          if (!grow) return node();
          next = node();
          at.children.set(k, next);
        }
      }
      at = next;
    }
    return at;
  }
}

/** Share of positions where the template's token equals the line's (a wildcard matches nothing new). */
function similarity(template: readonly string[], tokens: readonly string[]): number {
  if (template.length !== tokens.length || tokens.length === 0)
    return template.length === tokens.length ? 1 : 0;
  let same = 0;
  for (let i = 0; i < tokens.length; i++) if (template[i] === tokens[i] && template[i] !== WILDCARD) same++;
  const constant = template.filter((t) => t !== WILDCARD).length;
  return constant === 0 ? 1 : same / constant;
}

function snapshot(c: Cluster): Template {
  return { id: c.id, tokens: [...c.tokens], count: c.count };
}

export interface TemplateChange {
  readonly template: string;
  readonly inWindow: number;
  /** Expected in the window at the baseline's rate. */
  readonly expected: number;
  readonly kind: "new" | "surging";
}

/**
 * Templates new in the window (never seen in the baseline) or surging (at least `factor` times the
 * baseline's rate, and more than chance: the window's count above the expected count by three
 * Poisson standard deviations). Counts are by template text; rates per unit of the durations given.
 */
export function templateChanges(
  baseline: ReadonlyMap<string, number>,
  baselineDuration: number,
  window: ReadonlyMap<string, number>,
  windowDuration: number,
  factor = 3,
): TemplateChange[] {
  const changes: TemplateChange[] = [];
  for (const [template, inWindow] of window) {
    const before = baseline.get(template) ?? 0;
    const expected = (before / baselineDuration) * windowDuration;
    if (before === 0) changes.push({ template, inWindow, expected: 0, kind: "new" });
    else if (inWindow >= factor * expected && inWindow > expected + 3 * Math.sqrt(expected))
      changes.push({ template, inWindow, expected: Number(expected.toFixed(2)), kind: "surging" });
  }
  return changes.sort((a, b) => b.inWindow - b.expected - (a.inWindow - a.expected));
}
