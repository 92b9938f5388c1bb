/**
 * An incident's log evidence: for each of its services, the templates new or surging in the
 * incident's window against the stretch before it, mined from the lines a LogSource returns. The
 * two reads are mined by one miner, so a template means the same in both; counts become rates over
 * the span each read really covers (a capped read covers less than it asked for).
 */
import type { LogSource } from "./log-source.js";
import { LogTemplateMiner, type TemplateChange, templateChanges } from "./log-templates.js";

export interface LogEvidence {
  readonly templates: Record<string, TemplateChange[]>;
  /** Services whose logs could not be read, each with why. */
  readonly errors: readonly string[];
}

/** Templates shown per service at most: the summary is for a person. */
const SHOWN = 5;

export async function logEvidence(
  source: LogSource,
  namespace: string,
  services: readonly string[],
  window: { readonly fromMs: number; readonly toMs: number },
  baselineMs = 10 * 60_000,
): Promise<LogEvidence> {
  const templates: Record<string, TemplateChange[]> = {};
  const errors: string[] = [];
  for (const service of services) {
    try {
      const before = await source.read(namespace, service, window.fromMs - baselineMs, window.fromMs);
      // A service quiet while healthy has no lines before: everything it says now is new, and that
      // is the evidence (a healthy checkout logs nothing; a failing one logs why).
      const during = await source.read(namespace, service, window.fromMs, window.toMs);
      const miner = new LogTemplateMiner();
      const ids = (lines: typeof before.lines) => lines.map((l) => miner.add(l.text).template.id);
      const beforeIds = ids(before.lines);
      const duringIds = ids(during.lines);
      // Texts after both reads: a template gains wildcards as lines arrive, and both sides share them.
      const text = new Map(miner.templates().map((t) => [t.id, t.tokens.join(" ")]));
      const counts = (list: number[]) => {
        const out = new Map<string, number>();
        for (const id of list) out.set(text.get(id) as string, (out.get(text.get(id) as string) ?? 0) + 1);
        return out;
      };
      const changes = templateChanges(
        counts(beforeIds),
        Math.max(1, window.fromMs - before.fromMs),
        counts(duringIds),
        Math.max(1, window.toMs - during.fromMs),
      );
      if (changes.length > 0) templates[service] = changes.slice(0, SHOWN);
    } catch (e) {
      errors.push(`${service}: ${(e as Error).message}`);
    }
  }
  return { templates, errors };
}
