import { describe, expect, test } from "@jest/globals";
import { latencyQuery, trafficQuery, workloadQuery } from "./promql.js";

describe("the controller's PromQL", () => {
  test("the lane's pods leave the versions' quantiles, as regex literals, while every pod keeps its own", () => {
    const q = latencyQuery(60_000, ["web-v1-7f.x", "web-v1-2"]);
    expect(q).toContain('{reporter="destination", pod!~"web-v1-2|web-v1-7f\\\\.x"}[60s]');
    expect(q.match(/histogram_quantile/g)).toHaveLength(6);
    expect(q).toContain("sum by (destination_service, destination_version, pod, le)");
    expect(latencyQuery(60_000)).not.toContain("pod!~");
  });

  test("traffic and workload come per pod, readiness per version", () => {
    expect(trafficQuery(30_000)).toContain(
      "sum by (destination_service, destination_version, pod, response_code, reporter)",
    );
    const w = workloadQuery(30_000);
    expect(w).toContain('"signal", "usage"');
    expect(w).toContain('"signal", "limits"');
    expect(w).toContain(
      'sum by (namespace, label_app, label_version) (kube_pod_status_ready{condition="true"}',
    );
  });
});
