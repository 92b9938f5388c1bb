import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket/index.js";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy/index.js";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js";
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js";
import { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning/index.js";
import { Construct } from "constructs";
import { EncryptionKey } from "./encryption-key.js";
import { requireProp } from "./errors.js";
import { type PolicyStatement, policyDocument } from "./policy.js";

export interface SecureBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /**
   * The key for SSE-KMS.
   * @default a new key with rotation, used by this bucket only
   */
  readonly encryptionKey?: EncryptionKey;
  /**
   * Days a replaced or deleted object version is kept.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Days after which current objects expire. Right for data with a retention period (logs).
   * @default never
   */
  readonly expirationDays?: number;
  /**
   * Extra bucket policy statements, e.g. cross-account access; the TLS-only denial always stays.
   * @default none
   */
  readonly additionalPolicyStatements?: PolicyStatement[];
}

/**
 * An S3 bucket with every protection on: SSE-KMS with a bucket key, versioning, all public
 * access blocked, ACLs disabled, TLS 1.2+ only, and lifecycle rules so versions do not pile up.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly encryptionKey: EncryptionKey;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const noncurrentDays = props.noncurrentVersionExpirationDays ?? 90;
    requireProp(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName) && !props.bucketName.includes(".."),
      "SecureBucket",
      "bucketName",
      props.bucketName,
      "must be 3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit",
    );
    requireProp(
      noncurrentDays >= 1,
      "SecureBucket",
      "noncurrentVersionExpirationDays",
      noncurrentDays,
      "must be at least 1",
    );
    if (props.expirationDays !== undefined) {
      requireProp(
        props.expirationDays >= 1,
        "SecureBucket",
        "expirationDays",
        props.expirationDays,
        "must be at least 1",
      );
    }

    this.encryptionKey =
      props.encryptionKey ??
      new EncryptionKey(this, "Key", {
        description: `S3 bucket ${props.bucketName}`,
        alias: `s3/${props.bucketName}`,
      });
    this.bucket = new S3Bucket(this, "Bucket", { bucket: props.bucketName, forceDestroy: false });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;

    new S3BucketOwnershipControls(this, "Ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioning(this, "Versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfiguration(this, "Encryption", {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms",
            kmsMasterKeyId: this.encryptionKey.keyArn,
          },
          bucketKeyEnabled: true,
        },
      ],
    });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          ...(props.expirationDays ? { expiration: [{ days: props.expirationDays }] } : {}),
        },
      ],
    });
    const objects = `${this.bucket.arn}/*`;
    new S3BucketPolicy(this, "Policy", {
      bucket: this.bucket.id,
      policy: policyDocument(this, "PolicyDocument", [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          actions: ["s3:*"],
          resources: [this.bucket.arn, objects],
          principals: [{ type: "*", identifiers: ["*"] }],
          conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
        {
          sid: "DenyOutdatedTls",
          effect: "Deny",
          actions: ["s3:*"],
          resources: [this.bucket.arn, objects],
          principals: [{ type: "*", identifiers: ["*"] }],
          conditions: [{ test: "NumericLessThan", variable: "s3:TlsVersion", values: ["1.2"] }],
        },
        ...(props.additionalPolicyStatements ?? []),
      ]).json,
    });
  }
}
