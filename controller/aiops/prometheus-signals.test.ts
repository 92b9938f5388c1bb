import type { PrometheusSource } from "../metrics/prometheus.js";
import { podQueries, readPodSignals } from "./prometheus-signals.js";

type Sample = { metric: Record<string, string>; value: [number, string] };
const sample = (service: string, pod: string, v: number): Sample => ({
  metric: { destination_service_name: service, pod },
  value: [0, String(v)],
});

/** Answers each named query with fixed samples, or fails it. */
function prometheus(answers: Record<string, Sample[] | Error>): PrometheusSource {
  return {
    query: async (name: string) => {
      const a = answers[name];
      if (a instanceof Error) throw a;
      return a ?? [];
    },
  } as unknown as PrometheusSource;
}

describe("per-pod signals", () => {
  const queries = podQueries("shop", 60);

  it("reads each pod's rate, error ratio and p99; a pod with no error series had no errors", async () => {
    const read = await readPodSignals(
      prometheus({
        podRps: [
          sample("catalog", "catalog-v1-0", 10),
          sample("catalog", "catalog-v1-1", 8),
          sample("other", "x", 1),
        ],
        podErrors: [sample("catalog", "catalog-v1-1", 2)],
        podP99Ms: [sample("catalog", "catalog-v1-0", 40), sample("catalog", "catalog-v1-1", 45)],
      }),
      ["catalog", "cart"],
      queries,
      0,
    );
    expect(read.errors).toEqual([]);
    expect(read.pods).toEqual({
      catalog: [
        { pod: "catalog-v1-0", rps: 10, errorRatio: 0, p99Ms: 40 },
        { pod: "catalog-v1-1", rps: 8, errorRatio: 0.25, p99Ms: 45 },
      ],
      cart: [],
    });
  });

  it("reports a failed query and claims nothing about any pod", async () => {
    const read = await readPodSignals(
      prometheus({ podRps: [sample("catalog", "catalog-v1-0", 10)], podErrors: new Error("podErrors: 503") }),
      ["catalog"],
      queries,
      0,
    );
    expect(read).toEqual({ pods: {}, errors: ["podErrors: 503"] });
  });

  it("asks by service and pod, counting a caller that hung up as an error", () => {
    expect(queries.errors).toBe(
      'sum by (destination_service_name, pod) (rate(istio_requests_total{reporter="destination",destination_workload_namespace="shop",response_code=~"5..|0"}[60s]))',
    );
  });
});
