import { Construct } from "constructs";
import { checkRetentionDays } from "./log-group.js";
import { SecureBucket } from "./secure-bucket.js";
import { WorkloadIdentity, type WorkloadIdentityCluster } from "./workload-identity.js";

export interface LokiStorageProps {
  readonly cluster: WorkloadIdentityCluster;
  /** Globally unique bucket name for Loki's chunks and index. */
  readonly bucketName: string;
  /** @default "observability" */
  readonly namespace?: string;
  /** @default "loki" */
  readonly serviceAccount?: string;
  /**
   * Days log objects are kept; match Loki's own retention.
   * @default 30
   */
  readonly retentionDays?: number;
}

/**
 * Loki's object storage: a secure bucket, and a role only Loki's service account can use,
 * allowed to read and write that bucket and nothing else.
 */
export class LokiStorage extends Construct {
  readonly bucket: SecureBucket;
  readonly identity: WorkloadIdentity;

  constructor(scope: Construct, id: string, props: LokiStorageProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 30;
    checkRetentionDays("LokiStorage", "retentionDays", retentionDays);
    this.bucket = new SecureBucket(this, "Bucket", {
      bucketName: props.bucketName,
      expirationDays: retentionDays,
      noncurrentVersionExpirationDays: 7,
    });
    this.identity = new WorkloadIdentity(this, "Identity", {
      cluster: props.cluster,
      namespace: props.namespace ?? "observability",
      serviceAccount: props.serviceAccount ?? "loki",
      statements: [
        { sid: "ListChunks", actions: ["s3:ListBucket"], resources: [this.bucket.bucketArn] },
        {
          sid: "ReadWriteChunks",
          actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          resources: [`${this.bucket.bucketArn}/*`],
        },
        {
          sid: "UseBucketKey",
          actions: ["kms:Decrypt", "kms:GenerateDataKey"],
          resources: [this.bucket.encryptionKey.keyArn],
        },
      ],
    });
  }
}
