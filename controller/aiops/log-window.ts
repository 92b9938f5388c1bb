/**
 * Log templates over time, per service: each line is mined into its template (Drain-style) and
 * counted in the time bucket it arrived in, so an incident's window can be set against the
 * healthy baseline before it (templateChanges).
 */
import { LogTemplateMiner, type TemplateChange, templateChanges } from "./log-templates.js";

export class LogWindow {
  private readonly miners = new Map<string, LogTemplateMiner>();
  /** service → bucket index → template id → count (ids are stable; a template's text gains wildcards). */
  private readonly counts = new Map<string, Map<number, Map<number, number>>>();

  constructor(private readonly bucketMs = 15_000) {}

  add(service: string, atMs: number, line: string): void {
    let miner = this.miners.get(service);
    if (miner === undefined) {
      miner = new LogTemplateMiner();
      this.miners.set(service, miner);
    }
    const id = miner.add(line).template.id;
    const buckets = this.counts.get(service) ?? new Map<number, Map<number, number>>();
    this.counts.set(service, buckets);
    const b = Math.floor(atMs / this.bucketMs);
    const bucket = buckets.get(b) ?? new Map<number, number>();
    buckets.set(b, bucket);
    bucket.set(id, (bucket.get(id) ?? 0) + 1);
  }

  private total(service: string, fromMs: number, toMs: number): Map<string, number> {
    const text = new Map(
      this.miners
        .get(service)
        ?.templates()
        .map((t) => [t.id, t.tokens.join(" ")]),
    );
    const out = new Map<string, number>();
    for (const [b, bucket] of this.counts.get(service) ?? [])
      if (b * this.bucketMs >= fromMs && b * this.bucketMs < toMs)
        for (const [id, n] of bucket) {
          const t = text.get(id) as string;
          out.set(t, (out.get(t) ?? 0) + n);
        }
    return out;
  }

  /** Templates new or surging in [fromMs, toMs) against [baselineFromMs, fromMs). */
  changes(service: string, baselineFromMs: number, fromMs: number, toMs: number): TemplateChange[] {
    if (fromMs <= baselineFromMs || toMs <= fromMs) return [];
    return templateChanges(
      this.total(service, baselineFromMs, fromMs),
      fromMs - baselineFromMs,
      this.total(service, fromMs, toMs),
      toMs - fromMs,
    );
  }
}
