import { imageNames } from "../../config/shop.js";
import { ACTIONS, RUNNER, TRIVY_VERSION, uses } from "../actions.js";
import { assumeRole, checkout } from "../steps.js";
import { type DeliveryTarget, waitsForRollouts } from "../targets.js";
import type { Job, Step, Workflow } from "../workflow-model.js";

/** The tag every image gets: the commit it was built from. The repositories are immutable. */
export const IMAGE_TAG = "${{ github.sha }}";
/** Artifact prefix of the per-image digest files the gitops workflow reads. */
export const DIGEST_ARTIFACT = "digest-";

const BUILD_INPUTS = {
  context: ".",
  file: "services/Dockerfile",
  "build-args": "SERVICE=${{ matrix.image }}",
  platforms: "linux/amd64",
  "cache-from": "type=gha,scope=${{ matrix.image }}",
};

/** The gitops workflow, called once per environment in order; each release waits for the one before. */
export function releaseJobs(targets: readonly DeliveryTarget[], first: string): Record<string, Job> {
  const jobs: Record<string, Job> = {};
  let previous = first;
  for (const target of targets) {
    const id = `release-${target.name}`;
    jobs[id] = {
      name: `release to ${target.name}`,
      needs: previous,
      // The called workflow's jobs get at most this: it reads the repository and the digest artifacts,
      // and where it waits for rollouts, assumes the rollout role and comments on the pull request.
      permissions: waitsForRollouts(target)
        ? { contents: "read", "id-token": "write", "pull-requests": "write" }
        : { contents: "read" },
      uses: "./.github/workflows/gitops.yml",
      with: { environment: target.name },
      secrets: {
        GITOPS_APP_ID: "${{ secrets.GITOPS_APP_ID }}",
        GITOPS_APP_PRIVATE_KEY: "${{ secrets.GITOPS_APP_PRIVATE_KEY }}",
      },
    };
    previous = id;
  }
  return jobs;
}

/**
 * images.yml: on main, every shop service and the optimizer are built from services/Dockerfile,
 * scanned (critical findings fail the build before anything is pushed), then pushed with an SBOM and
 * provenance to each environment's ECR repository under the commit SHA, through that environment's
 * push role. The digests go to the gitops workflow, which pins them.
 */
export function imagesWorkflow(targets: readonly DeliveryTarget[], pathsIgnore: readonly string[]): Workflow {
  const scanRef = `meshpilot-scan/\${{ matrix.image }}:${IMAGE_TAG}`;
  const loginSteps: Step[] = targets.flatMap((t) => [
    assumeRole(t.roles.push, t.region, "images-${{ github.run_id }}"),
    {
      name: `Log in to ${t.name}'s registry`,
      uses: uses(ACTIONS.ecrLogin),
      with: { registries: t.account, "mask-password": true },
    },
  ]);
  const tags = targets.map((t) => `${t.matrixRepository}:${IMAGE_TAG}`).join("\n");
  const build: Job = {
    name: "build ${{ matrix.image }}",
    "runs-on": RUNNER,
    "timeout-minutes": 30,
    permissions: { contents: "read", "id-token": "write" },
    strategy: { "fail-fast": false, matrix: { image: imageNames() } },
    steps: [
      checkout(),
      { name: "Buildx", uses: uses(ACTIONS.setupBuildx) },
      {
        name: "Build for the scan",
        uses: uses(ACTIONS.buildPush),
        with: {
          ...BUILD_INPUTS,
          "cache-to": "type=gha,mode=max,scope=${{ matrix.image }}",
          load: true,
          tags: scanRef,
        },
      },
      {
        name: "Scan: fail on critical vulnerabilities",
        uses: uses(ACTIONS.trivy),
        with: {
          "image-ref": scanRef,
          scanners: "vuln",
          severity: "CRITICAL",
          "exit-code": "1",
          format: "table",
          version: TRIVY_VERSION,
        },
      },
      ...loginSteps,
      {
        name: "Push with SBOM and provenance",
        id: "push",
        uses: uses(ACTIONS.buildPush),
        with: { ...BUILD_INPUTS, push: true, sbom: true, provenance: "mode=max", tags },
      },
      {
        name: "Record the digest",
        env: { IMAGE: "${{ matrix.image }}", DIGEST: "${{ steps.push.outputs.digest }}" },
        run: 'mkdir -p "$RUNNER_TEMP/digests"\nprintf \'%s\' "$DIGEST" > "$RUNNER_TEMP/digests/$IMAGE"\n',
      },
      {
        name: "Upload the digest",
        uses: uses(ACTIONS.uploadArtifact),
        with: {
          name: `${DIGEST_ARTIFACT}\${{ matrix.image }}`,
          path: "${{ runner.temp }}/digests/${{ matrix.image }}",
          "retention-days": 7,
          "if-no-files-found": "error",
        },
      },
    ],
  };
  return {
    name: "images",
    on: { push: { branches: ["main"], ...(pathsIgnore.length > 0 ? { "paths-ignore": pathsIgnore } : {}) } },
    permissions: {},
    // Releases from two pushes must not interleave; the later one waits.
    concurrency: { group: "images-${{ github.ref }}", "cancel-in-progress": false },
    jobs: { build, ...releaseJobs(targets, "build") },
  };
}
