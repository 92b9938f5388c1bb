import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy/index.js";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository/index.js";
import { Construct } from "constructs";
import { EncryptionKey } from "./encryption-key.js";
import { InvalidPropError, requireProp } from "./errors.js";
import { ecrRepositoryName } from "./names.js";

export interface ContainerRegistryProps {
  /** Repository names, e.g. every shop service plus the optimizer. */
  readonly repositories: string[];
  /**
   * Path prefix for every repository: `<prefix>/<name>`.
   * @default "meshpilot"
   */
  readonly prefix?: string;
  /**
   * Tagged images kept per repository; older ones expire.
   * @default 30
   */
  readonly keepTaggedImages?: number;
  /**
   * Days an untagged image (a failed or superseded push) is kept.
   * @default 7
   */
  readonly untaggedExpiryDays?: number;
  /**
   * @default a new key with rotation shared by the repositories
   */
  readonly encryptionKey?: EncryptionKey;
}

const REPO_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * ECR repositories with immutable tags, scan on push, KMS encryption and a lifecycle policy.
 *
 * Immutable tags mean a tag that GitOps points at can never silently change under it.
 */
export class ContainerRegistry extends Construct {
  readonly repositories: Record<string, EcrRepository>;
  /** Repository URLs by short name. */
  readonly repositoryUrls: Record<string, string>;
  readonly repositoryArns: string[];
  readonly encryptionKey: EncryptionKey;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    const prefix = props.prefix ?? "meshpilot";
    const keepTagged = props.keepTaggedImages ?? 30;
    const untaggedDays = props.untaggedExpiryDays ?? 7;
    requireProp(
      props.repositories.length > 0,
      "ContainerRegistry",
      "repositories",
      props.repositories,
      "must name at least one repository",
    );
    props.repositories.forEach((name, i) => {
      requireProp(
        REPO_NAME.test(name),
        "ContainerRegistry",
        `repositories[${i}]`,
        name,
        "must be lowercase letters and digits separated by '.', '_' or '-'",
      );
    });
    const duplicate = props.repositories.find((n, i) => props.repositories.indexOf(n) !== i);
    if (duplicate)
      throw new InvalidPropError(
        "ContainerRegistry",
        "repositories",
        props.repositories,
        `names "${duplicate}" twice`,
      );
    requireProp(
      REPO_NAME.test(prefix),
      "ContainerRegistry",
      "prefix",
      prefix,
      "must be lowercase letters and digits separated by '.', '_' or '-'",
    );
    requireProp(keepTagged >= 1, "ContainerRegistry", "keepTaggedImages", keepTagged, "must be at least 1");
    requireProp(
      untaggedDays >= 1,
      "ContainerRegistry",
      "untaggedExpiryDays",
      untaggedDays,
      "must be at least 1",
    );

    this.encryptionKey =
      props.encryptionKey ??
      new EncryptionKey(this, "Key", { description: `ECR ${prefix}`, alias: `ecr/${prefix}` });
    const lifecyclePolicy = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: `Expire untagged images after ${untaggedDays} days`,
          selection: {
            tagStatus: "untagged",
            countType: "sinceImagePushed",
            countUnit: "days",
            countNumber: untaggedDays,
          },
          action: { type: "expire" },
        },
        {
          rulePriority: 2,
          description: `Keep the last ${keepTagged} tagged images`,
          selection: {
            tagStatus: "tagged",
            tagPatternList: ["*"],
            countType: "imageCountMoreThan",
            countNumber: keepTagged,
          },
          action: { type: "expire" },
        },
      ],
    });

    this.repositories = {};
    this.repositoryUrls = {};
    for (const name of props.repositories) {
      const repo = new EcrRepository(this, name, {
        name: ecrRepositoryName(prefix, name),
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: this.encryptionKey.keyArn }],
        forceDelete: false,
      });
      new EcrLifecyclePolicy(this, `${name}-lifecycle`, { repository: repo.name, policy: lifecyclePolicy });
      this.repositories[name] = repo;
      this.repositoryUrls[name] = repo.repositoryUrl;
    }
    this.repositoryArns = Object.values(this.repositories).map((r) => r.arn);
  }
}
