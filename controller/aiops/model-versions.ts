/**
 * Versions of a learned model, newest last, so a model that turns out bad (it flags a healthy
 * service, or misses what the previous one caught) can be rolled back to the one before it. Plain
 * data: the controller keeps it in the detector's status and a ConfigMap; the bench in memory.
 */

export interface ModelVersion<M> {
  readonly version: number;
  readonly createdAtMs: number;
  readonly model: M;
  /** Why this version exists: trained on what, or rolled back from which. */
  readonly note: string;
}

export class ModelVersions<M> {
  private readonly versions: ModelVersion<M>[] = [];
  private next = 1;

  /** @param keep versions retained; older ones are dropped. */
  constructor(private readonly keep = 5) {
    if (!(Number.isInteger(keep) && keep >= 2))
      throw new Error(
        `ModelVersions: 'keep' is ${keep} but must be a whole number of at least 2, or nothing could be rolled back to`,
      );
  }

  get current(): ModelVersion<M> | undefined {
    return this.versions.at(-1);
  }

  get history(): readonly ModelVersion<M>[] {
    return this.versions;
  }

  publish(model: M, atMs: number, note: string): ModelVersion<M> {
    const v = { version: this.next++, createdAtMs: atMs, model, note };
    this.versions.push(v);
    if (this.versions.length > this.keep) this.versions.shift();
    return v;
  }

  /**
   * Drops the current version and makes the previous one current again, as a new version number
   * (so every change is in the history); undefined when there is nothing older to go back to.
   */
  rollback(atMs: number, reason: string): ModelVersion<M> | undefined {
    if (this.versions.length < 2) return undefined;
    const bad = this.versions.pop() as ModelVersion<M>;
    const previous = this.versions.pop() as ModelVersion<M>;
    return this.publish(
      previous.model,
      atMs,
      `rolled back from v${bad.version} to v${previous.version}'s model: ${reason}`,
    );
  }
}
