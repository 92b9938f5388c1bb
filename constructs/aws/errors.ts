import { Token } from "cdktf";

/**
 * Thrown at synth when a construct prop is wrong.
 *
 * The message names the construct, the prop, the value and the fix, so the user
 * never has to read Terraform's error for something we could have caught.
 */
export class InvalidPropError extends Error {
  constructor(
    readonly construct: string,
    readonly prop: string,
    readonly value: unknown,
    readonly fix: string,
  ) {
    super(`${construct}: '${prop}' is ${JSON.stringify(value)} but ${fix}`);
    this.name = "InvalidPropError";
  }
}

/** Fails with an InvalidPropError unless `ok` holds. Unresolved tokens are never checked. */
export function requireProp(ok: boolean, construct: string, prop: string, value: unknown, fix: string): void {
  if (ok || isToken(value)) return;
  throw new InvalidPropError(construct, prop, value, fix);
}

/** True for values only Terraform knows (a token or a list holding one): those cannot be checked at synth. */
export function isToken(value: unknown): boolean {
  if (typeof value === "string" || typeof value === "number") return Token.isUnresolved(value);
  if (Array.isArray(value)) return value.some((v) => isToken(v));
  return false;
}
