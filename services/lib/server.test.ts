import { connect } from "node:net";
import { createService, HttpError } from "./server.js";
import { testSettings } from "./test-settings.js";

function service(env: Record<string, string> = {}, readiness?: () => Promise<void>) {
  const s = createService({ name: "test", settings: testSettings(env), readiness });
  s.app.post(
    "/echo",
    { schema: { body: { type: "object", required: ["n"], properties: { n: { type: "integer" } } } } },
    async (r) => r.body,
  );
  s.app.get("/teapot", async () => {
    throw new HttpError(418, "teapot", "short and stout");
  });
  s.app.get("/boom", async () => {
    throw new Error("kaboom");
  });
  return s;
}

describe("shared server", () => {
  it("answers health, and readiness from the service's own check", async () => {
    const ok = service();
    expect((await ok.app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await ok.app.inject({ url: "/readyz" })).statusCode).toBe(200);
    const down = service({}, async () => {
      throw new Error("redis unreachable");
    });
    const res = await down.app.inject({ url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: "not ready", reason: "redis unreachable" });
  });

  it("keeps the caller's request id, or makes one, and echoes it", async () => {
    const s = service();
    expect(
      (await s.app.inject({ url: "/healthz", headers: { "x-request-id": "req-123" } })).headers[
        "x-request-id"
      ],
    ).toBe("req-123");
    expect((await s.app.inject({ url: "/healthz" })).headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("exposes the HTTP duration histogram with OpenTelemetry names, and process metrics", async () => {
    const s = service();
    await s.app.inject({ method: "POST", url: "/echo", payload: { n: 1 } });
    const text = (await s.metricsApp.inject({ url: "/metrics" })).body;
    const count = text.split("\n").find((l) => l.startsWith("http_server_request_duration_seconds_count{"));
    for (const label of [
      'http_request_method="POST"',
      'http_route="/echo"',
      'http_response_status_code="200"',
      'service="test"',
    ]) {
      expect(count).toContain(label);
    }
    expect(count?.endsWith(" 1")).toBe(true);
    expect(text).toContain("process_cpu_seconds_total");
  });

  it("turns bad input into a 4xx with a JSON reason, never a 5xx", async () => {
    const s = service({ BODY_LIMIT_BYTES: "1024" });
    const malformed = await s.app.inject({
      method: "POST",
      url: "/echo",
      headers: { "content-type": "application/json" },
      payload: "{ nope",
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toEqual({
      error: "malformed_json",
      message: "the request body is not valid JSON",
    });
    const invalid = await s.app.inject({ method: "POST", url: "/echo", payload: { n: "one" } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error).toBe("invalid_request");
    const huge = await s.app.inject({
      method: "POST",
      url: "/echo",
      payload: { n: 1, pad: "x".repeat(2048) },
    });
    expect(huge.statusCode).toBe(413);
    expect((await s.app.inject({ url: "/teapot" })).json()).toEqual({
      error: "teapot",
      message: "short and stout",
    });
    expect((await s.app.inject({ url: "/nowhere" })).statusCode).toBe(404);
    const boom = await s.app.inject({ url: "/boom" });
    expect(boom.statusCode).toBe(500);
    expect(boom.json().message).not.toContain("kaboom");
  });

  it("injects errors and latency only when asked, and never on probes", async () => {
    const flaky = service({ FAULT_ERROR_RATE: "1", FAULT_SEED: "1" });
    expect((await flaky.app.inject({ method: "POST", url: "/echo", payload: { n: 1 } })).statusCode).toBe(
      503,
    );
    expect((await flaky.app.inject({ url: "/healthz" })).statusCode).toBe(200);
    const slow = service({ FAULT_LATENCY_MS: "30" });
    const res = await slow.app.inject({ method: "POST", url: "/echo", payload: { n: 1 } });
    expect(res.statusCode).toBe(200);
    const line = (await slow.metricsApp.inject({ url: "/metrics" })).body
      .split("\n")
      .find(
        (l) =>
          l.startsWith('http_server_request_duration_seconds_bucket{le="0.025"') &&
          l.includes('http_route="/echo"'),
      );
    expect(line?.endsWith(" 0")).toBe(true); // the 30 ms delay kept it out of the 25 ms bucket
  });

  it("reports draining on readiness once shutdown starts", async () => {
    const s = service();
    await s.app.ready();
    const closing = s.shutdown();
    await closing;
    expect(s.app.server.listening).toBe(false);
  });

  it("answers 408 to a client that trickles its body, and cuts it off", async () => {
    const s = service({ REQUEST_TIMEOUT_MS: "300" });
    await s.app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const { port } = s.app.server.address() as { port: number };
      const socket = connect(port, "127.0.0.1");
      let answer = "";
      socket.on("data", (chunk) => {
        answer += chunk.toString();
      });
      const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      // It declares 100 bytes and sends 10, then waits: the server must not wait with it.
      socket.write(
        'POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"n": 1   ',
      );
      await closed;
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await s.app.close();
    }
  });

  it("refuses a string or an infinite number where a body wants a number", async () => {
    const s = service();
    for (const n of ["1", "1e309", "-Infinity"]) {
      const res = await s.app.inject({ method: "POST", url: "/echo", payload: { n } });
      expect([res.statusCode, res.json().error]).toEqual([400, "invalid_request"]);
    }
    const infinite = await s.app.inject({
      method: "POST",
      url: "/echo",
      headers: { "content-type": "application/json" },
      payload: '{"n": 1e309}',
    });
    expect([infinite.statusCode, infinite.json().error]).toEqual([400, "invalid_request"]);
  });

  it("keeps addresses out of readiness reasons", async () => {
    const down = service({}, async () => {
      throw new Error(
        "redis is not connected: connect ECONNREFUSED 10.0.3.7:6379 (orders-postgresql.shop.svc:5432)",
      );
    });
    const res = await down.app.inject({ url: "/readyz" });
    expect(res.json().reason).toBe("redis is not connected: connect ECONNREFUSED <address> (<address>)");
  });
});
