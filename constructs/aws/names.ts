import { createHash } from "node:crypto";

/**
 * `name` if it fits in `max` characters, else a prefix of it plus a short hash of the whole.
 *
 * Deterministic, so a name computed here and one computed by a chart from the same inputs agree.
 */
export function boundedName(name: string, max: number): string {
  if (name.length <= max) return name;
  const digest = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, max - digest.length - 1)}-${digest}`;
}

export { ecrRepositoryName } from "../../config/aws-options.js";

/** IAM role names are at most 64 characters. */
export function iamRoleName(name: string): string {
  return boundedName(name, 64);
}
