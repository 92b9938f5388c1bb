import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { synthGitOpsTree, writeEnvironmentTree } from "../charts/gitops-tree.js";
import { ENVIRONMENTS, type EnvironmentConfig, imageRepository } from "../config/environments.js";
import { imageNames } from "../config/shop.js";
import { DIGEST, imageReference } from "../constructs/k8s/image.js";

/** What a release put in Git: written beside the tree as `release.json`, for people and for audits. */
export interface ReleaseRecord {
  readonly environment: string;
  /** The source commit the images were built from; also their tag. */
  readonly commit: string;
  /** Image name → the reference every Deployment pulls, `repository:tag@sha256:…`. */
  readonly images: Readonly<Record<string, string>>;
}

export interface ReleaseOptions {
  readonly env: string;
  /** The commit SHA the images are tagged with. */
  readonly tag: string;
  /** Image name → digest. */
  readonly digests: Readonly<Record<string, string>>;
  readonly environments?: readonly EnvironmentConfig[];
}

const COMMIT = /^[0-9a-f]{40}$/;
export const RELEASE_RECORD = "release.json";

/** Reads `<dir>/<image>` files holding one digest each, as the images workflow uploads them. */
export function readDigestDirectory(dir: string): Record<string, string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`--digests "${dir}" is not a directory; give the directory of per-image digest files`);
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((image) => [image, readFileSync(join(dir, image), "utf8").trim()]),
  );
}

/**
 * The environment's config with every image pinned: tagged with the commit, pulled by digest.
 * Fails naming the input and the fix: an unknown environment, a tag that is not a commit SHA, a
 * malformed digest, or an image without one (the tree check refuses a partial map).
 */
export function releaseEnvironment(options: ReleaseOptions): EnvironmentConfig {
  const environments = options.environments ?? ENVIRONMENTS;
  const env = environments.find((e) => e.name === options.env);
  if (!env)
    throw new Error(
      `--env "${options.env}" is not an environment; the environments are ${environments.map((e) => e.name).join(", ")}`,
    );
  if (!COMMIT.test(options.tag))
    throw new Error(
      `--tag "${options.tag}" is not a commit SHA; images are tagged with the 40-hex commit they were built from`,
    );
  for (const [image, digest] of Object.entries(options.digests))
    if (!DIGEST.test(digest))
      throw new Error(
        `the digest of '${image}' is "${digest}"; give sha256: and 64 hex digits, as the registry reported`,
      );
  return { ...env, shop: { ...env.shop, imageTag: options.tag, imageDigests: options.digests } };
}

/** The release's commit message: a subject a reviewer can scan, then every image it pins. */
export function releaseMessage(record: ReleaseRecord): string {
  const lines = Object.entries(record.images).map(([image, ref]) => `- ${image}: ${ref}`);
  return `release ${record.environment}: ${record.commit.slice(0, 12)}\n\nSource commit ${record.commit}.\nRoll back with \`git revert\` of this commit.\n\n${lines.join("\n")}\n`;
}

/** Renders the environment's pinned tree into `outDir` (replacing it) with its `release.json`. */
export function writeRelease(options: ReleaseOptions, outDir: string): ReleaseRecord {
  const env = releaseEnvironment(options);
  writeEnvironmentTree(outDir, synthGitOpsTree(env));
  const record: ReleaseRecord = {
    environment: env.name,
    commit: options.tag,
    images: Object.fromEntries(
      imageNames().map((image) => [
        image,
        imageReference("release", imageRepository(env, image), options.tag, options.digests[image]),
      ]),
    ),
  };
  writeFileSync(join(outDir, RELEASE_RECORD), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}
