import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group/index.js";
import type { Construct } from "constructs";
import { requireProp } from "./errors.js";

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Checks a retention prop against the values CloudWatch accepts. */
export function checkRetentionDays(construct: string, prop: string, days: number): void {
  requireProp(
    (LOG_RETENTION_DAYS as readonly number[]).includes(days),
    construct,
    prop,
    days,
    `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
  );
}

/** A log group that is always KMS-encrypted and always expires. */
export function encryptedLogGroup(
  scope: Construct,
  id: string,
  props: { name: string; retentionDays: number; kmsKeyArn: string },
): CloudwatchLogGroup {
  return new CloudwatchLogGroup(scope, id, {
    name: props.name,
    retentionInDays: props.retentionDays,
    kmsKeyId: props.kmsKeyArn,
  });
}
