import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROLLOUT_DEADLINE_MINUTES } from "../api/intent/schema.js";
import { synthGitOpsTree, writeEnvironmentTree } from "../charts/gitops-tree.js";
import { rolloutIntents } from "../charts/optimizer-intents.js";
import { ENVIRONMENTS, type EnvironmentConfig, imageRepository } from "../config/environments.js";
import { imageNames, SHOP_SERVICES } from "../config/shop.js";
import { DIGEST, imageReference } from "../constructs/k8s/image.js";
import { NAMESPACES } from "../constructs/k8s/namespaces.js";
import { type HeldImages, heldVersionImages, type PreviousRelease } from "./held-images.js";
import type { ExpectedRollout } from "./rollout-wait.js";

/** What a release put in Git: written beside the tree as `release.json`, for people and for audits. */
export interface ReleaseRecord {
  readonly environment: string;
  /** The source commit the images were built from; also their tag. */
  readonly commit: string;
  /** Image name → the reference the Deployments pull, `repository:tag@sha256:…`. */
  readonly images: Readonly<Record<string, string>>;
  /** Versions that kept an earlier image instead (a rollout's stable subset): service → version → reference. */
  readonly held?: HeldImages;
}

export interface ReleaseOptions {
  readonly env: string;
  /** The commit SHA the images are tagged with. */
  readonly tag: string;
  /** Image name → digest. */
  readonly digests: Readonly<Record<string, string>>;
  readonly environments?: readonly EnvironmentConfig[];
  /** The tree's current release.json, so a rollout's stable version keeps its image. */
  readonly previous?: PreviousRelease;
  /** Services whose rollout was promoted: their stable version takes this release's image. */
  readonly promoted?: readonly string[];
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
  const pinned: EnvironmentConfig = {
    ...env,
    shop: { ...env.shop, imageTag: options.tag, imageDigests: options.digests },
  };
  const versionImages = heldVersionImages(pinned, options.previous, options.promoted ?? [], (service) =>
    releasedImage(pinned, service),
  );
  return Object.keys(versionImages).length === 0
    ? pinned
    : { ...pinned, shop: { ...pinned.shop, versionImages } };
}

function releasedImage(env: EnvironmentConfig, image: string): string {
  return imageReference(
    "release",
    imageRepository(env, image),
    env.shop.imageTag,
    env.shop.imageDigests?.[image],
  );
}

/**
 * Beyond a rollout's own deadline, how long the pipeline gives Argo CD to sync the release (it polls
 * every 3 minutes by default) and the controller to start the rollout.
 */
export const ROLLOUT_SYNC_GRACE_MINUTES = 10;

/**
 * The rollouts a release of `env` starts: each intent with spec.rollout, and the canary image it
 * names (give the pinned environment, `releaseEnvironment`, for the image a release set).
 */
export function releaseRollouts(env: EnvironmentConfig): ExpectedRollout[] {
  return rolloutIntents(env, SHOP_SERVICES, NAMESPACES.shop).map((intent) => ({
    namespace: intent.metadata.namespace ?? NAMESPACES.shop,
    name: intent.metadata.name,
    canaryImage: intent.spec.rollout?.canaryImage,
    timeoutMs:
      ((intent.spec.rollout?.deadlineMinutes ?? ROLLOUT_DEADLINE_MINUTES) + ROLLOUT_SYNC_GRACE_MINUTES) *
      60_000,
  }));
}

/** The release's commit message: a subject a reviewer can scan, then every image it pins. */
export function releaseMessage(record: ReleaseRecord): string {
  const lines = Object.entries(record.images).map(([image, ref]) => `- ${image}: ${ref}`);
  const held = Object.entries(record.held ?? {}).flatMap(([service, versions]) =>
    Object.entries(versions).map(
      ([version, ref]) => `- ${service} ${version} stays on ${ref} (the stable side of its rollout)`,
    ),
  );
  const keeps = held.length > 0 ? `\n\nKept until the rollout is promoted:\n${held.join("\n")}` : "";
  return `release ${record.environment}: ${record.commit.slice(0, 12)}\n\nSource commit ${record.commit}.\nRoll back with \`git revert\` of this commit.\n\n${lines.join("\n")}${keeps}\n`;
}

/** Renders the environment's pinned tree into `outDir` (replacing it) with its `release.json`. */
export function writeRelease(options: ReleaseOptions, outDir: string): ReleaseRecord {
  const env = releaseEnvironment(options);
  writeEnvironmentTree(outDir, synthGitOpsTree(env));
  const held = Object.fromEntries(
    Object.entries(env.shop.versionImages ?? {}).map(([service, versions]) => [
      service,
      Object.fromEntries(
        Object.entries(versions).map(([version, image]) => [
          version,
          imageReference("release", imageRepository(env, service), image.imageTag, image.imageDigest),
        ]),
      ),
    ]),
  );
  const record: ReleaseRecord = {
    environment: env.name,
    commit: options.tag,
    images: Object.fromEntries(imageNames().map((image) => [image, releasedImage(env, image)])),
    ...(Object.keys(held).length > 0 ? { held } : {}),
  };
  writeFileSync(join(outDir, RELEASE_RECORD), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}
