import { jest } from "@jest/globals";
import Fastify, { type FastifyInstance } from "fastify";
import { ServiceClient, UpstreamError, UpstreamUnavailable } from "./client.js";

/** A real HTTP server on loopback that fails the first `failures` calls of each path. */
async function upstream(failures: number, delayMs = 0) {
  const seen: { path: string; headers: Record<string, unknown> }[] = [];
  const counts = new Map<string, number>();
  const app: FastifyInstance = Fastify();
  app.all("/*", async (request, reply) => {
    const path = request.url;
    seen.push({ path, headers: request.headers });
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (n <= failures) return reply.code(503).send({ error: "busy" });
    return { ok: true, n };
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address() as { port: number };
  return { app, seen, url: `http://127.0.0.1:${address.port}` };
}

describe("service client", () => {
  const servers: FastifyInstance[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it("retries idempotent calls on 503 and passes trace headers along", async () => {
    const u = await upstream(2);
    servers.push(u.app);
    const client = new ServiceClient("catalog", u.url, { backoffMs: 1 });
    const res = await client.call<{ ok: boolean; n: number }>("/products", {
      headers: { "x-request-id": "r1", traceparent: "00-abc-def-01" },
    });
    expect(res).toEqual({ status: 200, body: { ok: true, n: 3 } });
    expect(
      u.seen.every((s) => s.headers["x-request-id"] === "r1" && s.headers.traceparent === "00-abc-def-01"),
    ).toBe(true);
  });

  it("never retries a POST without an Idempotency-Key", async () => {
    const u = await upstream(1);
    servers.push(u.app);
    const client = new ServiceClient("payments", u.url, { backoffMs: 1 });
    await expect(client.call("/charge", { method: "POST", body: { a: 1 } })).rejects.toBeInstanceOf(
      UpstreamError,
    );
    expect(u.seen).toHaveLength(1);
  });

  it("retries a POST that carries an Idempotency-Key, sending the same key every time", async () => {
    const u = await upstream(1);
    servers.push(u.app);
    const client = new ServiceClient("payments", u.url, { backoffMs: 1 });
    const res = await client.call("/charge", { method: "POST", body: { a: 1 }, idempotencyKey: "key-1" });
    expect(res.status).toBe(200);
    expect(u.seen.map((s) => s.headers["idempotency-key"])).toEqual(["key-1", "key-1"]);
  });

  it("gives up after its timeout, within the bounded number of tries", async () => {
    const u = await upstream(0, 200);
    servers.push(u.app);
    const client = new ServiceClient("slow", u.url, { timeoutMs: 20, retries: 1, backoffMs: 1 });
    // Count tries where the client makes them: on a loaded machine a try can time out before the
    // server has read its request, so the server's own count may be short.
    const tries = jest.spyOn(globalThis, "fetch");
    try {
      await expect(client.call("/slow")).rejects.toThrow("slow is unavailable: timed out");
      expect(tries).toHaveBeenCalledTimes(2);
    } finally {
      tries.mockRestore();
    }
  });

  it("reports an unreachable service as unavailable", async () => {
    const client = new ServiceClient("gone", "http://127.0.0.1:9", { retries: 0 });
    await expect(client.call("/x")).rejects.toBeInstanceOf(UpstreamUnavailable);
  });
});
