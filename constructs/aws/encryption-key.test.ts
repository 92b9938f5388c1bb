import { onlyResource, policyStatements, synthAws } from "../../test/synth.js";
import { EncryptionKey } from "./encryption-key.js";

describe("EncryptionKey", () => {
  it("rotates yearly, waits 30 days before deletion and keeps the account as administrator", () => {
    const { json } = synthAws(
      (scope) => new EncryptionKey(scope, "k", { description: "d", alias: "mp/test" }),
    );
    const key = onlyResource(json, "aws_kms_key");
    expect(key).toEqual(
      expect.objectContaining({
        enable_key_rotation: true,
        rotation_period_in_days: 365,
        deletion_window_in_days: 30,
      }),
    );
    const statements = policyStatements(json, key.policy);
    expect(statements).toHaveLength(1);
    expect(statements[0].principals).toEqual([
      { type: "AWS", identifiers: [expect.stringMatching(/:root$/)] },
    ]);
    expect(onlyResource(json, "aws_kms_alias").name).toBe("alias/mp/test");
  });

  it("lets CloudWatch Logs use it only for this account's log groups", () => {
    const { json } = synthAws(
      (scope) =>
        new EncryptionKey(scope, "k", { description: "d", alias: "mp/logs", allowCloudWatchLogs: true }),
    );
    const logs = policyStatements(json, onlyResource(json, "aws_kms_key").policy)[1];
    expect(logs.sid).toBe("CloudWatchLogsEncrypts");
    expect(logs.condition).toEqual([
      {
        test: "ArnLike",
        variable: "kms:EncryptionContext:aws:logs:arn",
        values: [expect.stringMatching(/:log-group:\*$/)],
      },
    ]);
  });

  it("rejects a deletion window KMS does not allow", () => {
    expect(() =>
      synthAws(
        (scope) => new EncryptionKey(scope, "k", { description: "d", alias: "a", deletionWindowDays: 3 }),
      ),
    ).toThrow("EncryptionKey: 'deletionWindowDays' is 3 but must be between 7 and 30 days");
  });
});
