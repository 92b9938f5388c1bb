import { dirname } from "node:path";
import {
  ENVIRONMENTS,
  type EnvironmentConfig,
  type GitOpsPromotion,
  gitopsPromotion,
  imageRepository,
  platformName,
} from "../config/environments.js";
import { imageNames } from "../config/shop.js";
import { type CiRole, ciRoleName } from "../constructs/aws/ci-identity.js";
import { platformStackName } from "../stacks/app.js";
import { RUNNER } from "./actions.js";
import { releaseRollouts } from "./release.js";
import type { ExpectedRollout } from "./rollout-wait.js";

/** A GitHub repository, split. */
export interface GitHubRepository {
  readonly owner: string;
  readonly name: string;
  /** `owner/name` */
  readonly fullName: string;
}

/**
 * What the workflows need to know about one environment, derived from the same config and naming
 * functions the stacks use, so a workflow can never name a role or repository the stack did not create.
 */
export interface DeliveryTarget {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  /** Image name → registry repository (no tag). */
  readonly repositories: Readonly<Record<string, string>>;
  /** The repository with the image name left to a build matrix's `image`. */
  readonly matrixRepository: string;
  /** CI role ARNs, as `CiIdentity` names them. */
  readonly roles: Readonly<Record<CiRole, string>>;
  /** The protected GitHub environment whose jobs may assume the apply role. */
  readonly applyEnvironment: string;
  /** The runner label infra.yml's jobs for this environment run on. */
  readonly infraRunner: string;
  /** The EKS cluster's name. */
  readonly cluster: string;
  /** The rollouts each release to this environment starts, which the gitops workflow waits for. */
  readonly rollouts: readonly ExpectedRollout[];
  /** The cdktf stack, i.e. `dist/terraform/stacks/<stack>`. */
  readonly stack: string;
  readonly gitops: {
    readonly repository: GitHubRepository;
    /** The directory of the environment's tree in the GitOps repository (the parent of `gitops.path`). */
    readonly directory: string;
    readonly branch: string;
    readonly promotion: GitOpsPromotion;
  };
}

/** `owner/name` from an https, ssh or scp-style GitHub URL; the gitops workflow pushes with a GitHub App. */
export function gitHubRepository(url: string): GitHubRepository {
  const match =
    /^(?:https:\/\/github\.com\/|ssh:\/\/git@github\.com\/|git@github\.com:)([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(
      url,
    );
  if (!match)
    throw new Error(
      `gitops.repoUrl is "${url}"; the delivery workflows push to GitHub, so give https://github.com/<owner>/<name>.git`,
    );
  return { owner: match[1], name: match[2], fullName: `${match[1]}/${match[2]}` };
}

function ciRoleArn(env: EnvironmentConfig, role: CiRole): string {
  return `arn:aws:iam::${env.account}:role/${ciRoleName(platformName(env), role)}`;
}

export function deliveryTarget(env: EnvironmentConfig): DeliveryTarget {
  const directory = dirname(env.gitops.path);
  if (directory === "." || directory.startsWith("/") || directory.split("/").includes(".."))
    throw new Error(
      `env '${env.name}' gitops.path is "${env.gitops.path}"; it must be <directory>/apps inside the repository, so the release has a directory of its own`,
    );
  return {
    name: env.name,
    account: env.account,
    region: env.region,
    repositories: Object.fromEntries(imageNames().map((image) => [image, imageRepository(env, image)])),
    matrixRepository: imageRepository(env, "${{ matrix.image }}"),
    roles: {
      push: ciRoleArn(env, "push"),
      plan: ciRoleArn(env, "plan"),
      apply: ciRoleArn(env, "apply"),
      rollout: ciRoleArn(env, "rollout"),
    },
    cluster: platformName(env),
    rollouts: releaseRollouts(env),
    applyEnvironment: env.github.applyEnvironment,
    infraRunner: env.github.infraRunner ?? RUNNER,
    stack: platformStackName(env),
    gitops: {
      repository: gitHubRepository(env.gitops.repoUrl),
      directory,
      branch: env.gitops.revision,
      promotion: gitopsPromotion(env),
    },
  };
}

/** Every environment, in config order (dev before prod: the order releases and applies run in). */
export function deliveryTargets(envs: readonly EnvironmentConfig[] = ENVIRONMENTS): DeliveryTarget[] {
  const repositories = [...new Set(envs.map((e) => e.github.repository))];
  if (repositories.length !== 1)
    throw new Error(
      `the environments name ${repositories.length} GitHub repositories (${repositories.join(", ")}) in github.repository; the workflows run in one`,
    );
  return envs.map(deliveryTarget);
}

/**
 * The workflow waits where its release reaches the synced branch itself; a release that arrives as a
 * pull request starts its rollouts when a person merges it, outside this run (docs/delivery.md).
 */
export function waitsForRollouts(target: DeliveryTarget): boolean {
  return target.gitops.promotion === "push" && target.rollouts.length > 0;
}
