import { testCluster } from "../../test/fixtures.js";
import { onlyResource, policyStatements, resources, synthAws } from "../../test/synth.js";
import { LokiStorage } from "./loki-storage.js";

describe("LokiStorage", () => {
  const { json } = synthAws((scope) => {
    new LokiStorage(scope, "loki", { cluster: testCluster(scope), bucketName: "mp-test-loki" });
  });

  it("stores chunks in a secure bucket that expires with Loki's retention", () => {
    const bucket = resources(json, "aws_s3_bucket").find((b) => b.bucket === "mp-test-loki");
    expect(bucket).toBeDefined();
    const [rule] = onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule as Record<
      string,
      unknown
    >[];
    expect(rule.expiration).toEqual([{ days: 30 }]);
  });

  it("gives only observability/loki read-write on that bucket and its key", () => {
    const role = resources(json, "aws_iam_role").find((r) => r.name === "mp-test-observability-loki");
    expect(role).toBeDefined();
    const policy = resources(json, "aws_iam_role_policy").find((p) => p.name === "workload");
    const statements = policyStatements(json, policy?.policy);
    expect(statements.map((s) => s.sid)).toEqual(["ListChunks", "ReadWriteChunks", "UseBucketKey"]);
    for (const s of statements) {
      for (const r of s.resources as string[]) expect(r).toMatch(/aws_s3_bucket\.|aws_kms_key\./);
    }
  });

  it("rejects a retention CloudWatch-style periods do not include", () => {
    expect(() =>
      synthAws(
        (scope) =>
          new LokiStorage(scope, "l", {
            cluster: testCluster(scope),
            bucketName: "b-b-b",
            retentionDays: 31,
          }),
      ),
    ).toThrow("LokiStorage: 'retentionDays' is 31");
  });
});
