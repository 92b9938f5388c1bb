import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js";
import { onlyResource, policyStatements, synthAws } from "../../test/synth.js";
import { SecureBucket, type SecureBucketProps } from "./secure-bucket.js";

function bucket(props: Partial<SecureBucketProps> = {}) {
  return synthAws((scope) => new SecureBucket(scope, "b", { bucketName: "mp-test-bucket", ...props }));
}

describe("SecureBucket", () => {
  it("encrypts with its own rotating KMS key and a bucket key", () => {
    const { json } = bucket();
    const sse = onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration");
    expect(sse.rule).toEqual([
      {
        apply_server_side_encryption_by_default: {
          sse_algorithm: "aws:kms",
          kms_master_key_id: expect.stringMatching(/aws_kms_key\..+\.arn/),
        },
        bucket_key_enabled: true,
      },
    ]);
    expect(onlyResource(json, "aws_kms_key").enable_key_rotation).toBe(true);
  });

  it("is versioned, blocks all public access and disables ACLs", () => {
    const { json, text } = bucket();
    expect(onlyResource(json, "aws_s3_bucket_versioning").versioning_configuration).toEqual({
      status: "Enabled",
    });
    expect(text).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls").rule).toEqual({
      object_ownership: "BucketOwnerEnforced",
    });
    expect(onlyResource(json, "aws_s3_bucket").force_destroy).toBe(false);
  });

  it("denies plain HTTP and TLS below 1.2", () => {
    const { json } = bucket();
    const statements = policyStatements(json, onlyResource(json, "aws_s3_bucket_policy").policy);
    expect(statements).toEqual([
      expect.objectContaining({
        sid: "DenyInsecureTransport",
        effect: "Deny",
        actions: ["s3:*"],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      }),
      expect.objectContaining({
        sid: "DenyOutdatedTls",
        effect: "Deny",
        condition: [{ test: "NumericLessThan", variable: "s3:TlsVersion", values: ["1.2"] }],
      }),
    ]);
  });

  it("expires old versions and, on request, current objects", () => {
    const [rule] = onlyResource(bucket({ expirationDays: 30 }).json, "aws_s3_bucket_lifecycle_configuration")
      .rule as Record<string, unknown>[];
    expect(rule).toEqual(
      expect.objectContaining({
        status: "Enabled",
        noncurrent_version_expiration: [{ noncurrent_days: 90 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        expiration: [{ days: 30 }],
      }),
    );
  });

  it.each([
    [{ bucketName: "Bad_Name" }, "SecureBucket: 'bucketName' is \"Bad_Name\" but must be 3-63 lowercase"],
    [{ noncurrentVersionExpirationDays: 0 }, "'noncurrentVersionExpirationDays' is 0 but must be at least 1"],
    [{ expirationDays: 0 }, "'expirationDays' is 0 but must be at least 1"],
  ])("rejects %j", (props, message) => {
    expect(() => bucket(props)).toThrow(message);
  });
});
