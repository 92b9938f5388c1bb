import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { createService } from "./server.js";
import { testSettings } from "./test-settings.js";

const TOKEN = "t0ken-for-fault-control";

function service(env: Record<string, string> = {}) {
  const s = createService({ name: "test", settings: testSettings(env) });
  s.app.get("/work", async () => ({ done: true }));
  return s;
}

const injectedCount = async (s: ReturnType<typeof service>, kind: string): Promise<number> => {
  const line = (await s.metricsApp.inject({ url: "/metrics" })).body
    .split("\n")
    .find((l) => l.startsWith(`meshpilot_injected_faults_total{kind="${kind}"`));
  return line === undefined ? 0 : Number(line.split(" ").pop());
};

describe("fault knobs", () => {
  it("has no control route unless a token is configured", async () => {
    const s = service();
    const res = await s.metricsApp.inject({ method: "PUT", url: "/faults", payload: { errorRate: 1 } });
    expect(res.statusCode).toBe(404);
    expect((await s.app.inject({ url: "/work" })).statusCode).toBe(200);
  });

  it("changes the knobs at run time with the token, and refuses anything else with a reason", async () => {
    const s = service({ FAULT_CONTROL_TOKEN: TOKEN, FAULT_SEED: "3" });
    const put = (payload: unknown, authorization?: string) =>
      s.metricsApp.inject({
        method: "PUT",
        url: "/faults",
        payload: payload as Record<string, unknown>,
        headers: authorization ? { authorization } : {},
      });
    expect((await put({ errorRate: 1 })).statusCode).toBe(401);
    expect((await put({ errorRate: 1 }, "Bearer wrong-token-of-same-len")).statusCode).toBe(401);
    const bad = await put({ errorRate: 2 }, `Bearer ${TOKEN}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("errorRate");
    expect((await put({ nonsense: 1 }, `Bearer ${TOKEN}`)).statusCode).toBe(400);
    // Nothing changed by the refusals.
    expect((await s.app.inject({ url: "/work" })).statusCode).toBe(200);

    const ok = await put({ errorRate: 1 }, `Bearer ${TOKEN}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ latencyMs: 0, latencyJitterMs: 0, errorRate: 1, stallRate: 0 });
    expect((await s.app.inject({ url: "/work" })).statusCode).toBe(503);
    expect((await s.app.inject({ url: "/healthz" })).statusCode).toBe(200);
    expect(await injectedCount(s, "error")).toBe(1);
    await put({ errorRate: 0 }, `Bearer ${TOKEN}`);
    expect((await s.app.inject({ url: "/work" })).statusCode).toBe(200);
  });

  it("stalls a request until the caller hangs up, answering nothing", async () => {
    const s = service({ FAULT_STALL_RATE: "1", FAULT_SEED: "1" });
    await s.app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const { port } = s.app.server.address() as AddressInfo;
      let answered = false;
      const req = request({ host: "127.0.0.1", port, path: "/work" }, () => {
        answered = true;
      });
      const gone = new Promise<void>((resolve) => req.once("error", () => resolve()));
      req.end();
      // The stall is counted as soon as the request is held: wait for that, not for a clock.
      while ((await injectedCount(s, "stall")) < 1) await new Promise((r) => setImmediate(r));
      req.destroy();
      await gone;
      expect(answered).toBe(false);
      expect((await s.app.inject({ url: "/healthz" })).statusCode).toBe(200);
    } finally {
      await s.app.close();
    }
  }, 10_000);
});
