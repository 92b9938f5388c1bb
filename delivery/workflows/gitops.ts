import { ACTIONS, RUNNER, uses } from "../actions.js";
import { checkout, nodeAndDependencies } from "../steps.js";
import type { DeliveryTarget } from "../targets.js";
import type { Job, Workflow } from "../workflow-model.js";
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

function releaseJob(target: DeliveryTarget): Job {
  const { repository, directory, branch, promotion } = target.gitops;
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
      {
        name: "Digests the images job pushed",
        uses: uses(ACTIONS.downloadArtifact),
        with: { pattern: `${DIGEST_ARTIFACT}*`, "merge-multiple": true, path: "${{ runner.temp }}/digests" },
      },
      {
        name: `Render ${target.name}'s tree, pinned by digest`,
        env: { IMAGE_TAG: "${{ github.sha }}", DIGESTS: "${{ runner.temp }}/digests", RELEASE_DIR, MESSAGE },
        run: `npm run release -- --env ${target.name} --tag "$IMAGE_TAG" --digests "$DIGESTS" --out "$RELEASE_DIR" --message "$MESSAGE"\n`,
      },
      {
        name: `Token for ${repository.fullName}`,
        id: "token",
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
      {
        name: promotion === "push" ? `Commit to ${branch}` : `Open the pull request into ${branch}`,
        env: {
          RELEASE_DIR,
          MESSAGE,
          TREE_DIR: directory,
          BRANCH: branch,
          BOT_NAME: BOT.name,
          BOT_EMAIL: BOT.email,
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
    jobs: Object.fromEntries(targets.map((t) => [`release-${t.name}`, releaseJob(t)])),
  };
}
