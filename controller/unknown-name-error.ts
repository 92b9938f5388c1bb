/**
 * A name that picks an implementation (a policy, a metrics source, an actuator) and matches
 * none. Every factory throws it, never falls back to a default, and its one line names the
 * setting and lists the valid names.
 */
export class UnknownNameError extends Error {
  constructor(
    readonly setting: string,
    readonly value: string,
    readonly valid: readonly string[],
  ) {
    super(`${setting}: unknown name '${value}'; valid names are ${valid.join(", ")}`);
    this.name = "UnknownNameError";
  }
}
