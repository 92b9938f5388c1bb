/**
 * Every action the workflows use, pinned to a full commit SHA: a tag can be moved (trivy-action's
 * were, in March 2026), a commit cannot. The version goes into a comment beside the pin for readers
 * and for Dependabot or Renovate, which update both together.
 */
export interface PinnedAction {
  readonly repository: string;
  readonly sha: string;
  readonly version: string;
}

export const ACTIONS = {
  checkout: {
    repository: "actions/checkout",
    sha: "11bd71901bbe5b1630ceea73d27597364c9af683",
    version: "v4.2.2",
  },
  setupNode: {
    repository: "actions/setup-node",
    sha: "49933ea5288caeca8642d1e84afbd3f7d6820020",
    version: "v4.4.0",
  },
  uploadArtifact: {
    repository: "actions/upload-artifact",
    sha: "ea165f8d65b6e75b540449e92b4886f43607fa02",
    version: "v4.6.2",
  },
  downloadArtifact: {
    repository: "actions/download-artifact",
    sha: "d3f86a106a0bac45b974a628896c90dbdf5c8093",
    version: "v4.3.0",
  },
  githubAppToken: {
    repository: "actions/create-github-app-token",
    sha: "d72941d797fd3113feb6b93fd0dec494b13a2547",
    version: "v1.12.0",
  },
  awsCredentials: {
    repository: "aws-actions/configure-aws-credentials",
    sha: "e3dd6a429d7300a6a4c196c26e071d42e0343502",
    version: "v4.0.2",
  },
  ecrLogin: {
    repository: "aws-actions/amazon-ecr-login",
    sha: "062b18b96a7aff071d4dc91bc00c4c1a7945b076",
    version: "v2.0.1",
  },
  setupBuildx: {
    repository: "docker/setup-buildx-action",
    sha: "e468171a9de216ec08956ac3ada2f0791b6bd435",
    version: "v3.11.1",
  },
  buildPush: {
    repository: "docker/build-push-action",
    sha: "263435318d21b8e681c14492fe198d362a7d2c83",
    version: "v6.18.0",
  },
  // v0.35.0 is the first release after the tag hijack, and its tags are immutable.
  trivy: {
    repository: "aquasecurity/trivy-action",
    sha: "57a97c7e7821a5776cebc9bb87c984fa69cba8f1",
    version: "v0.35.0",
  },
  setupTerraform: {
    repository: "hashicorp/setup-terraform",
    sha: "b9cd54a3c349d3f38e8881555d616ced269862dd",
    version: "v3.1.2",
  },
} as const satisfies Record<string, PinnedAction>;

/** The `uses:` value of a pinned action. */
export function uses(action: PinnedAction): string {
  return `${action.repository}@${action.sha}`;
}

/** The version comment of a `uses:` value, if it is one of ours. */
export function pinnedVersion(usesValue: string): string | undefined {
  return Object.values(ACTIONS).find((a) => uses(a) === usesValue)?.version;
}

/** The Trivy release the scan runs, pinned rather than "latest": v0.69.4 was the malicious one. */
export const TRIVY_VERSION = "v0.69.3";

/** The Terraform the plans and applies run; the S3 backend's `use_lockfile` needs 1.10 or later. */
export const TERRAFORM_VERSION = "1.11.4";

/** GitHub's runner image, named rather than `ubuntu-latest` so an image change is a reviewed diff. */
export const RUNNER = "ubuntu-24.04";
