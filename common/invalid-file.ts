/**
 * A file a user hands us (a scenario, a workload trace, a CSV) that cannot be used: every problem
 * at once, each with its JSON path or line and the reason, under the file's name.
 */
export class InvalidFileError extends Error {
  constructor(
    readonly kind: string,
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: invalid ${kind}\n  ${problems.join("\n  ")}`);
    this.name = "InvalidFileError";
  }
}
