/**
 * The image a Meshpilot container runs. A tag names a release for people; a digest is what the
 * cluster should actually pull, because a tag can be pushed again and a digest cannot. CI pins every
 * image by the digest the registry reported when it pushed it.
 */
export const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * `repository:tag`, or `repository:tag@digest` when pinned (the runtime pulls by the digest; the tag
 * stays for the reader). Fails naming the construct, the prop and the fix.
 */
export function imageReference(construct: string, repository: string, tag: string, digest?: string): string {
  if (tag === "" || tag === "latest")
    throw new Error(
      `${construct}: 'imageTag' is "${tag}"; give an explicit tag (CI uses the commit SHA) and pin it with 'imageDigest'`,
    );
  if (digest === undefined) return `${repository}:${tag}`;
  if (!DIGEST.test(digest))
    throw new Error(
      `${construct}: 'imageDigest' is "${digest}"; give "sha256:" and 64 lowercase hex digits, as the registry reported on push`,
    );
  return `${repository}:${tag}@${digest}`;
}
