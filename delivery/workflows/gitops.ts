import { ACTIONS, RUNNER, uses } from "../actions.js";
import { assumeRole, checkout, nodeAndDependencies } from "../steps.js";
import { type DeliveryTarget, waitsForRollouts } from "../targets.js";
import type { Job, Step, Workflow } from "../workflow-model.js";
import { DIGEST_ARTIFACT } from "./images.js";

const BOT = { name: "meshpilot-release[bot]", email: "meshpilot-release[bot]@users.noreply.github.com" };

/** Where the rendered release waits between the render step and the commit, and its commit message. */
const RELEASE_DIR = "${{ runner.temp }}/release";
const MESSAGE = "${{ runner.temp }}/release-message";

/** Copies the release over the environment's directory and commits it, on `branchLine`'s branch. */
const commitRelease = (
  branchLine: string,
) => `rsync -a --delete --exclude .git "$RELEASE_DIR/" "gitops/$TREE_DIR/"
cd gitops
${branchLine}git add -A -- "$TREE_DIR"
if git diff --cached --quiet; then echo "$TREE_DIR already holds this release"; exit 0; fi
git -c user.name="$BOT_NAME" -c user.email="$BOT_EMAIL" commit -q -F "$MESSAGE"
`;

/** Pushes straight to the branch: Argo CD syncs it within its poll interval. */
const PUSH_SCRIPT = `${commitRelease("")}git push origin "HEAD:$BRANCH"
`;

/** Pushes to a release branch and opens (or updates) the pull request a reviewer merges. */
const PULL_REQUEST_SCRIPT = `${commitRelease('git switch -q -C "$RELEASE_BRANCH"\n')}git push --force origin "HEAD:refs/heads/$RELEASE_BRANCH"
if [ -z "$(gh pr list --repo "$GITOPS_REPOSITORY" --head "$RELEASE_BRANCH" --state open --json number --jq '.[].number')" ]; then
  gh pr create --repo "$GITOPS_REPOSITORY" --base "$BRANCH" --head "$RELEASE_BRANCH" \\
    --title "$(head -n 1 "$MESSAGE")" --body-file "$MESSAGE"
fi
`;

const DIGESTS = "${{ runner.temp }}/digests";

const downloadDigests: Step = {
  name: "Digests the images job pushed",
  uses: uses(ACTIONS.downloadArtifact),
  with: { pattern: `${DIGEST_ARTIFACT}*`, "merge-multiple": true, path: DIGESTS },
};

/**
 * Renders the release over the tree's current release.json, so a rollout's stable version keeps
 * the image it runs; with `promote`, the promoted services' stable versions take the new image.
 */
function renderStep(target: DeliveryTarget, name: string, promote?: string, condition?: string): Step {
  const promoteFlag = promote ? ' --promote "$PROMOTE"' : "";
  return {
    name,
    ...(condition ? { if: condition } : {}),
    env: {
      IMAGE_TAG: "${{ github.sha }}",
      DIGESTS,
      RELEASE_DIR,
      MESSAGE,
      PREVIOUS: `gitops/${target.gitops.directory}/release.json`,
      ...(promote ? { PROMOTE: promote } : {}),
    },
    run: `npm run release -- --env ${target.name} --tag "$IMAGE_TAG" --digests "$DIGESTS" --previous "$PREVIOUS"${promoteFlag} --out "$RELEASE_DIR" --message "$MESSAGE"\n`,
  };
}

/** The GitHub App's token for the GitOps repository, and its checkout at the environment's branch. */
function gitopsCheckout(target: DeliveryTarget, condition?: string): Step[] {
  const { repository, branch } = target.gitops;
  const when = condition ? { if: condition } : {};
  return [
    {
      name: `Token for ${repository.fullName}`,
      id: "token",
      ...when,
      uses: uses(ACTIONS.githubAppToken),
      with: {
        "app-id": "${{ secrets.GITOPS_APP_ID }}",
        "private-key": "${{ secrets.GITOPS_APP_PRIVATE_KEY }}",
        owner: repository.owner,
        repositories: repository.name,
      },
    },
    {
      name: `Check out ${repository.fullName}`,
      ...when,
      uses: uses(ACTIONS.checkout),
      with: {
        repository: repository.fullName,
        ref: branch,
        path: "gitops",
        token: "${{ steps.token.outputs.token }}",
        // This checkout pushes; the App's token lasts an hour and reaches this repository only.
        "persist-credentials": true,
      },
    },
  ];
}

const pushEnv = (target: DeliveryTarget) => ({
  RELEASE_DIR,
  MESSAGE,
  TREE_DIR: target.gitops.directory,
  BRANCH: target.gitops.branch,
  BOT_NAME: BOT.name,
  BOT_EMAIL: BOT.email,
});

function releaseJob(target: DeliveryTarget): Job {
  const { repository, branch, promotion } = target.gitops;
  return {
    name: `${promotion === "push" ? "release" : "propose a release"} to ${target.name}`,
    if: `inputs.environment == '${target.name}'`,
    "runs-on": RUNNER,
    "timeout-minutes": 20,
    // The GITHUB_TOKEN only reads this repository; writing to the GitOps repository takes the App's token.
    permissions: { contents: "read" },
    // Two releases to one environment never race each other's commit.
    concurrency: { group: `gitops-${target.name}`, "cancel-in-progress": false },
    steps: [
      checkout(),
      ...nodeAndDependencies(),
      downloadDigests,
      ...gitopsCheckout(target),
      renderStep(target, `Render ${target.name}'s tree, pinned by digest`),
      {
        name: promotion === "push" ? `Commit to ${branch}` : `Open the pull request into ${branch}`,
        env: {
          ...pushEnv(target),
          ...(promotion === "pull-request"
            ? {
                RELEASE_BRANCH: `release/${target.name}`,
                GITOPS_REPOSITORY: repository.fullName,
                GH_TOKEN: "${{ steps.token.outputs.token }}",
              }
            : {}),
        },
        run: promotion === "push" ? PUSH_SCRIPT : PULL_REQUEST_SCRIPT,
      },
    ],
  };
}

/** Waits for the rollouts; the result goes to the job summary and the pull request the commit came from. */
const WAIT_SCRIPT = `set +e
npm run rollout-wait -- --env "$ENVIRONMENT" --tag "$IMAGE_TAG" --digests "$DIGESTS" --summary "$SUMMARY" --promoted "$PROMOTED"
code=$?
set -e
cat "$SUMMARY" >> "$GITHUB_STEP_SUMMARY"
pr=$(gh api "repos/$GITHUB_REPOSITORY/commits/$IMAGE_TAG/pulls" --jq '.[0].number // empty')
if [ -n "$pr" ]; then gh pr comment "$pr" --repo "$GITHUB_REPOSITORY" --body-file "$SUMMARY"; fi
echo "promoted=$(cat "$PROMOTED" 2>/dev/null)" >> "$GITHUB_OUTPUT"
exit "$code"
`;

/**
 * After a release that starts rollouts reaches the branch Argo CD syncs: wait for each rollout's
 * result under the read-only rollout role (it may read TrafficIntents and nothing else), report it,
 * and once a rollout is promoted commit the Git change its status asks for, the new image pinned
 * for the stable version too. The job fails unless every rollout was promoted, so a later
 * environment's release never follows an aborted canary.
 */
function rolloutJob(target: DeliveryTarget): Job {
  const minutes = Math.max(...target.rollouts.map((r) => r.timeoutMs / 60_000));
  const promoted = "steps.wait.outputs.promoted";
  const afterWait = `!cancelled() && ${promoted} != ''`;
  return {
    name: `wait for ${target.name}'s rollouts`,
    needs: `release-${target.name}`,
    if: `inputs.environment == '${target.name}'`,
    // The cluster's endpoint is private: the runner that reaches it is the one infra.yml uses.
    "runs-on": target.infraRunner,
    // The longest rollout's deadline and the sync grace, plus the setup and the promotion commit.
    "timeout-minutes": Math.ceil(minutes) + 10,
    permissions: { contents: "read", "id-token": "write", "pull-requests": "write" },
    // The promotion commit and the next release to this environment take turns.
    concurrency: { group: `gitops-${target.name}`, "cancel-in-progress": false },
    steps: [
      checkout(),
      ...nodeAndDependencies(),
      downloadDigests,
      assumeRole(target.roles.rollout, target.region, "rollout-wait-${{ github.run_id }}"),
      {
        name: `Kubeconfig for ${target.cluster}`,
        env: { CLUSTER: target.cluster, REGION: target.region },
        run: 'aws eks update-kubeconfig --name "$CLUSTER" --region "$REGION"\n',
      },
      {
        name: "Wait for the rollouts and report them on the pull request",
        id: "wait",
        env: {
          ENVIRONMENT: target.name,
          IMAGE_TAG: "${{ github.sha }}",
          DIGESTS,
          SUMMARY: "${{ runner.temp }}/rollout.md",
          PROMOTED: "${{ runner.temp }}/promoted",
          GH_TOKEN: "${{ github.token }}",
        },
        run: WAIT_SCRIPT,
      },
      ...gitopsCheckout(target, afterWait),
      {
        ...renderStep(
          target,
          "Render the release with the promoted images pinned for the stable versions",
          `\${{ ${promoted} }}`,
        ),
        if: afterWait,
      },
      {
        name: `Commit the promotion to ${target.gitops.branch}`,
        if: afterWait,
        env: pushEnv(target),
        run: PUSH_SCRIPT,
      },
    ],
  };
}

/**
 * gitops.yml: called by images.yml once per environment after the images are pushed. It renders
 * the environment's tree with every image pinned to the digest just pushed, then commits it to the
 * GitOps repository and directory from the environment's config: straight to the branch in
 * development, through a pull request in production. Rolling back is `git revert` of that commit.
 */
export function gitopsWorkflow(targets: readonly DeliveryTarget[]): Workflow {
  return {
    name: "gitops",
    on: {
      workflow_call: {
        inputs: {
          environment: {
            description: `The environment to release to: ${targets.map((t) => t.name).join(", ")}`,
            type: "string",
            required: true,
          },
        },
        secrets: {
          GITOPS_APP_ID: {
            description: "The GitHub App that may write to the GitOps repository",
            required: true,
          },
          GITOPS_APP_PRIVATE_KEY: { description: "That App's private key", required: true },
        },
      },
    },
    permissions: {},
    jobs: Object.fromEntries(
      targets.flatMap((t) => [
        [`release-${t.name}`, releaseJob(t)],
        ...(waitsForRollouts(t) ? [[`rollout-${t.name}`, rolloutJob(t)]] : []),
      ]),
    ),
  };
}
