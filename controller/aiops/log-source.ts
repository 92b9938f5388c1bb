/**
 * Where the AIOps layer reads a service's logs for an incident's template evidence: a port with a
 * production implementation (Loki, through LogQL: loki-logs.ts) and an in-memory one (tests, and
 * the benchmark's shop, whose pino lines arrive on its processes' stdout), behind one factory
 * that throws on an unknown name (log-source-factory.ts). Lines come back as text for the template miner: a pino line
 * is reduced to its message, status code and error message, the parts that make a template.
 */
export interface LogLine {
  readonly atMs: number;
  readonly text: string;
}

export interface LogRead {
  /** Oldest first. */
  readonly lines: readonly LogLine[];
  /**
   * The span the lines cover: the whole range, or less when the source capped the lines (the
   * newest are kept), so counts become rates over what was really read.
   */
  readonly fromMs: number;
}

export interface LogSource {
  /** A service's lines in [fromMs, toMs). */
  read(namespace: string, service: string, fromMs: number, toMs: number): Promise<LogRead>;
}

/** What a template is mined from: pino's msg, the response's status and the error's message. */
export function logText(line: string): string {
  try {
    const entry = JSON.parse(line) as {
      msg?: string;
      res?: { statusCode?: number };
      err?: { message?: string };
    };
    if (typeof entry !== "object" || entry === null) return line;
    const text = [entry.msg, entry.res?.statusCode, entry.err?.message]
      .filter((x) => x !== undefined)
      .join(" ");
    return text === "" ? line : text;
  } catch {
    return line;
  }
}

/** Lines held in memory, per namespace and service. */
export class InMemoryLogSource implements LogSource {
  private readonly lines = new Map<string, LogLine[]>();

  add(namespace: string, service: string, atMs: number, line: string): void {
    const key = `${namespace}/${service}`;
    const list = this.lines.get(key) ?? [];
    this.lines.set(key, list);
    list.push({ atMs, text: logText(line) });
  }

  async read(namespace: string, service: string, fromMs: number, toMs: number): Promise<LogRead> {
    const lines = (this.lines.get(`${namespace}/${service}`) ?? []).filter(
      (l) => l.atMs >= fromMs && l.atMs < toMs,
    );
    return { lines: [...lines].sort((a, b) => a.atMs - b.atMs), fromMs };
  }
}
