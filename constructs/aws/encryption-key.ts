import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias/index.js";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key/index.js";
import { Construct } from "constructs";
import { awsContext } from "./aws-context.js";
import { requireProp } from "./errors.js";
import { type PolicyStatement, policyDocument } from "./policy.js";

export interface EncryptionKeyProps {
  /** What the key protects; shown in the KMS console. */
  readonly description: string;
  /** Alias without the `alias/` prefix, e.g. `meshpilot-dev/flow-logs`. */
  readonly alias: string;
  /**
   * Let CloudWatch Logs in this account and region use the key for log groups.
   * @default false
   */
  readonly allowCloudWatchLogs?: boolean;
  /**
   * Extra key policy statements, e.g. cross-account use of a state bucket key.
   * @default none
   */
  readonly additionalStatements?: PolicyStatement[];
  /**
   * Days KMS waits before deleting the key once scheduled.
   * @default 30, the maximum, so a mistaken destroy can be undone
   */
  readonly deletionWindowDays?: number;
}

/**
 * A customer-managed KMS key with yearly rotation and an explicit key policy.
 *
 * The key policy keeps the account root as administrator (so IAM policies govern use)
 * and adds only the service principals the caller asks for.
 */
export class EncryptionKey extends Construct {
  readonly key: KmsKey;
  readonly keyArn: string;
  readonly keyId: string;
  readonly aliasName: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const deletionWindowDays = props.deletionWindowDays ?? 30;
    requireProp(
      deletionWindowDays >= 7 && deletionWindowDays <= 30,
      "EncryptionKey",
      "deletionWindowDays",
      deletionWindowDays,
      "must be between 7 and 30 days",
    );
    const ctx = awsContext(this);
    const statements: PolicyStatement[] = [
      {
        sid: "AccountAdministers",
        actions: ["kms:*"],
        resources: ["*"],
        principals: [{ type: "AWS", identifiers: [`arn:${ctx.partition}:iam::${ctx.accountId}:root`] }],
      },
    ];
    if (props.allowCloudWatchLogs) {
      statements.push({
        sid: "CloudWatchLogsEncrypts",
        actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        resources: ["*"],
        principals: [{ type: "Service", identifiers: [`logs.${ctx.region}.${ctx.dnsSuffix}`] }],
        conditions: [
          {
            test: "ArnLike",
            variable: "kms:EncryptionContext:aws:logs:arn",
            values: [`arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:*`],
          },
        ],
      });
    }
    statements.push(...(props.additionalStatements ?? []));

    this.key = new KmsKey(this, "Key", {
      description: props.description,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: deletionWindowDays,
      policy: policyDocument(this, "Policy", statements).json,
    });
    const alias = new KmsAlias(this, "Alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
    this.keyArn = this.key.arn;
    this.keyId = this.key.keyId;
    this.aliasName = alias.name;
  }
}
