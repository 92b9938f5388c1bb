/** A shopper on the frontend's JSON API for tests: holds its session cookie across calls. */
import { userIdOf } from "../services/frontend/app.js";

export interface ApiAnswer {
  readonly status: number;
  readonly body: any;
}

/** Starts a session on the frontend at `baseUrl` and returns a client that keeps it. */
export async function apiShopper(baseUrl: string) {
  let cookie = "";
  const call = async (
    path: string,
    method = "GET",
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.get("set-cookie");
    if (set) cookie = set.split(";")[0];
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const { body } = await call("/api/session");
  const sid: string = body.sessionId;
  return { call, sid, userId: userIdOf(sid) };
}
