import { HttpError } from "./server.js";

/** The header that carries a shopper's session between the frontend, cart and checkout. */
export const SESSION_HEADER = "x-session-id";

/** What a session id looks like: long enough to be unguessable, short enough to key a cart. */
export const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** The request's session id, or a 400 saying how to send one. */
export function sessionId(headers: Record<string, unknown>): string {
  const id = headers[SESSION_HEADER];
  if (typeof id !== "string" || !SESSION_ID.test(id))
    throw new HttpError(
      400,
      "missing_session",
      `send an ${SESSION_HEADER} header of 16-64 letters, digits, '_' or '-'`,
    );
  return id;
}
