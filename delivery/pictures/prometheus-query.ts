/** Prometheus's HTTP query API as a dashboard's {@link QuerySource}, over a fixed time range. */
import type { QuerySource, Series } from "./dashboard-render.js";

interface ApiResult {
  status: string;
  error?: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[];
  };
}

async function get(url: URL): Promise<Series[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as ApiResult;
  if (body.status !== "success" || !body.data)
    throw new Error(`Prometheus refused ${url.searchParams.get("query")}: ${body.error ?? res.status}`);
  return body.data.result.map((r) => ({
    metric: r.metric,
    values: (r.values ?? (r.value ? [r.value] : [])).map(([t, v]) => [t, Number(v)] as const),
  }));
}

/** Range queries from `startS` to `endS` every `stepS`; instant queries at `endS`. */
export function prometheusSource(baseUrl: string, startS: number, endS: number, stepS: number): QuerySource {
  return {
    range(expr, step = stepS) {
      const url = new URL("/api/v1/query_range", baseUrl);
      url.search = new URLSearchParams({
        query: expr,
        start: String(startS),
        end: String(endS),
        step: String(Math.max(step, stepS)),
      }).toString();
      return get(url);
    },
    instant(expr) {
      const url = new URL("/api/v1/query", baseUrl);
      url.search = new URLSearchParams({ query: expr, time: String(endS) }).toString();
      return get(url);
    },
  };
}
