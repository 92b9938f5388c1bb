/**
 * What a release keeps from the one before: a rollout compares a canary with the stable subset, so
 * the stable version must go on running the image last promoted while the canary runs the new one.
 * The release finds that image in the tree's current release.json: the stable version's held image
 * if it had one, else what the whole service ran. Once a rollout is promoted, the pipeline renders the
 * release again with the service named in `promoted`, and its stable version takes the new image too.
 */
import { existsSync, readFileSync } from "node:fs";
import { type EnvironmentConfig, imageRepository } from "../config/environments.js";

/** Service → version → image reference. */
export type HeldImages = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** The part of the previous release.json a release reads. */
export interface PreviousRelease {
  readonly environment: string;
  readonly images: Readonly<Record<string, string>>;
  readonly held?: HeldImages;
}

type VersionImage = { readonly imageTag: string; readonly imageDigest?: string };

// The digest first, so a registry port (`host:5000/…`) is never read as the tag.
const REFERENCE = /^([^@]+):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(?:@(sha256:[0-9a-f]{64}))?$/;

/** `repository:tag[@sha256:…]` split; anything else is refused with the reference named. */
export function parseImageReference(reference: string): { repository: string } & VersionImage {
  const match = REFERENCE.exec(reference);
  if (!match)
    throw new Error(`"${reference}" is not an image reference; release.json holds repository:tag@sha256:…`);
  return { repository: match[1], imageTag: match[2], ...(match[3] ? { imageDigest: match[3] } : {}) };
}

/**
 * The tree's current release.json, or undefined when there is none yet (the first release: every
 * version runs the new image). A file that is there but unreadable is an error, never ignored.
 */
export function readPreviousRelease(file: string, environment: string): PreviousRelease | undefined {
  if (!existsSync(file)) return undefined;
  let record: Partial<PreviousRelease>;
  try {
    record = JSON.parse(readFileSync(file, "utf8")) as Partial<PreviousRelease>;
  } catch (e) {
    throw new Error(
      `--previous "${file}" is not JSON (${(e as Error).message}); give the tree's release.json`,
    );
  }
  if (record.environment !== environment || typeof record.images !== "object" || record.images === null)
    throw new Error(
      `--previous "${file}" is not ${environment}'s release.json (environment ${JSON.stringify(record.environment)}); give the release.json of the tree this release replaces`,
    );
  return record as PreviousRelease;
}

/**
 * The images each rollout's stable version keeps in this release, as the shop chart takes them.
 * @param reference the image reference this release gives `service`
 */
export function heldVersionImages(
  env: EnvironmentConfig,
  previous: PreviousRelease | undefined,
  promoted: readonly string[],
  reference: (service: string) => string,
): Record<string, Record<string, VersionImage>> {
  const rollouts = env.optimizer?.rollouts ?? {};
  for (const name of promoted)
    if (!rollouts[name])
      throw new Error(
        `--promote names '${name}', which has no rollout in env '${env.name}'; the rollouts are ${Object.keys(rollouts).join(", ") || "none"}`,
      );
  const versionImages: Record<string, Record<string, VersionImage>> = {};
  if (!previous) return versionImages;
  for (const [service, rollout] of Object.entries(rollouts)) {
    if (promoted.includes(service)) continue;
    const kept = previous.held?.[service]?.[rollout.stable] ?? previous.images[service];
    if (kept === undefined || kept === reference(service)) continue;
    const { repository, ...image } = parseImageReference(kept);
    if (repository !== imageRepository(env, service))
      throw new Error(
        `the previous release ran ${service} from ${repository}, not ${imageRepository(env, service)}; release the stable version from this environment's registry`,
      );
    versionImages[service] = { [rollout.stable]: image };
  }
  return versionImages;
}
