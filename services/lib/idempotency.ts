import { HttpError } from "./server.js";

/** What an Idempotency-Key may look like: long enough to be unique, short enough to index. */
export const IDEMPOTENCY_KEY = { type: "string", pattern: "^[A-Za-z0-9_.:-]{8,128}$" } as const;
const KEY = new RegExp(IDEMPOTENCY_KEY.pattern);

/** A body that names a key to close (orders' abandon, payments' cancel). */
export const KEY_TO_CLOSE = {
  type: "object",
  required: ["idempotencyKey"],
  additionalProperties: false,
  properties: { idempotencyKey: IDEMPOTENCY_KEY },
} as const;

/** The request's Idempotency-Key, or a 400 saying how to send one. */
export function idempotencyKey(headers: Record<string, unknown>): string {
  const key = headers["idempotency-key"];
  if (typeof key !== "string" || !KEY.test(key))
    throw new HttpError(
      400,
      "missing_idempotency_key",
      "send an Idempotency-Key header (8-128 letters, digits, '_', '.', ':' or '-')",
    );
  return key;
}
