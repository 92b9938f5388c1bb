import { S3Backend, type TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { awsContext } from "./aws-context.js";
import { EncryptionKey } from "./encryption-key.js";
import type { PolicyStatement } from "./policy.js";
import { SecureBucket } from "./secure-bucket.js";

export interface StateBackendProps {
  /** Globally unique name of the state bucket. */
  readonly bucketName: string;
  /**
   * Role ARNs in other accounts (CI plan and apply roles) that may use the state.
   * They need not exist yet: access is matched on `aws:PrincipalArn`.
   * @default none; only this account's own principals, through IAM
   */
  readonly crossAccountPrincipalArns?: string[];
}

/**
 * An S3 bucket for Terraform state: versioned, SSE-KMS, public access blocked, TLS only.
 *
 * Locking uses S3's native lock file (`use_lockfile`), so there is no DynamoDB table.
 */
export class StateBackend extends Construct {
  readonly bucket: SecureBucket;
  readonly bucketName: string;
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: StateBackendProps) {
    super(scope, id);
    const principals = props.crossAccountPrincipalArns ?? [];
    const ctx = awsContext(this);
    // Principal "*" narrowed by aws:PrincipalArn: a policy naming roles that do not exist yet would be rejected.
    const byPrincipal = (sid: string, actions: string[], resources: string[]): PolicyStatement => ({
      sid,
      actions,
      resources,
      principals: [{ type: "AWS", identifiers: ["*"] }],
      conditions: [{ test: "ArnEquals", variable: "aws:PrincipalArn", values: principals }],
    });
    const key = new EncryptionKey(this, "Key", {
      description: `Terraform state in ${props.bucketName}`,
      alias: stateKeyAlias(props.bucketName),
      additionalStatements:
        principals.length > 0
          ? [byPrincipal("CiRolesUseKey", ["kms:Decrypt", "kms:GenerateDataKey"], ["*"])]
          : [],
    });
    const bucketArn = `arn:${ctx.partition}:s3:::${props.bucketName}`;
    this.bucket = new SecureBucket(this, "Bucket", {
      bucketName: props.bucketName,
      encryptionKey: key,
      noncurrentVersionExpirationDays: 365,
      additionalPolicyStatements:
        principals.length > 0
          ? [
              byPrincipal("CiRolesList", ["s3:ListBucket"], [bucketArn]),
              byPrincipal(
                "CiRolesState",
                ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                [`${bucketArn}/*`],
              ),
            ]
          : [],
    });
    this.bucketName = this.bucket.bucketName;
    this.keyArn = key.keyArn;
  }
}

/** The alias of the state bucket's key, without `alias/`; platform stacks grant CI use of it by this name. */
export function stateKeyAlias(bucketName: string): string {
  return `terraform-state/${bucketName}`;
}

/** Where a platform stack keeps its state. */
export interface RemoteStateConfig {
  readonly bucketName: string;
  readonly region: string;
  /** One key per environment, e.g. `meshpilot/dev/terraform.tfstate`. */
  readonly key: string;
}

/**
 * Points a stack at the state bucket with S3 native locking.
 *
 * cdktf 0.21's typed S3Backend predates `use_lockfile`, hence the override.
 */
export function useRemoteState(stack: TerraformStack, config: RemoteStateConfig): S3Backend {
  const backend = new S3Backend(stack, {
    bucket: config.bucketName,
    key: config.key,
    region: config.region,
    encrypt: true,
  });
  backend.addOverride("use_lockfile", true);
  return backend;
}
