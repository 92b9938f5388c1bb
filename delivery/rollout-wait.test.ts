import { spawn } from "node:child_process";
import { join } from "node:path";
import { kubeClients } from "../controller/kube/clients.js";
import { intentObject } from "../controller/testbed/fixtures.js";
import { KubeApiDouble } from "../controller/testbed/kube-api-double.js";
import { EXIT_CODES, rolloutSummary, waitForRollout } from "./rollout-wait.js";

const KIND = ["optimizer.meshpilot.io/v1alpha1", "TrafficIntent", "shop", "catalog"] as const;

describe("waiting for a rollout from a pipeline", () => {
  let api: KubeApiDouble;
  let server: string;
  beforeAll(async () => {
    api = new KubeApiDouble();
    server = await api.listen();
  }, 30_000);
  afterAll(() => api.close());

  /** Puts the intent with a status, and returns it as the double holds it. */
  function setStatus(status: Record<string, unknown> | undefined) {
    const current =
      (api.get(...KIND) as Record<string, unknown> | undefined) ?? intentObject("shop", "catalog");
    const generation = (current.metadata as { generation?: number }).generation ?? 1;
    api.put({ ...current, status: status && { observedGeneration: generation, ...status } });
  }

  it("waits through Progressing, ignores a status from an earlier generation, and returns the result", async () => {
    setStatus(undefined);
    const generation =
      ((api.get(...KIND) as { metadata: { generation?: number } }).metadata.generation ?? 1) + 0;
    // An old result, from before this rollout's spec: it must not end the wait.
    const current = api.get(...KIND) as Record<string, unknown>;
    api.put({ ...current, status: { observedGeneration: generation - 1, rollout: { phase: "Aborted" } } });
    const script = [
      () => setStatus({ rollout: { phase: "Progressing", canaryWeight: 10, reason: "started at 10%" } }),
      () => setStatus({ rollout: { phase: "Progressing", canaryWeight: 50, reason: "stepped" } }),
      () =>
        setStatus({
          rollout: {
            phase: "Promoted",
            canaryWeight: 100,
            reason: "promoted",
            evidence: [
              {
                at: "2026-03-01T00:01:00.000Z",
                weight: 50,
                canaryP99Ms: 98,
                stableP99Ms: 101,
                verdict: "not-worse",
              },
            ],
            gitChange: {
              subset: "v1",
              image: "r/catalog@sha256:1",
              message: "Pin r/catalog@sha256:1 for the v1 subset in Git",
            },
          },
        }),
    ];
    let clock = 0;
    const seen: (string | undefined)[] = [];
    const out = await waitForRollout(kubeClients(server).custom, {
      namespace: "shop",
      name: "catalog",
      timeoutMs: 600_000,
      pollMs: 10_000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
        script.shift()?.();
      },
      onProgress: (r) => seen.push(r?.phase),
    });
    expect(out.result).toBe("Promoted");
    expect(seen).toEqual([undefined, "Progressing", "Progressing", "Promoted"]);
    const summary = rolloutSummary("shop/catalog", out.result, out.rollout);
    expect(summary).toContain("### Rollout of shop/catalog: promoted");
    expect(summary).toContain("| 2026-03-01T00:01:00.000Z | 50% | 98 | 101 |");
    expect(summary).toContain("**Next:** Pin r/catalog@sha256:1 for the v1 subset in Git");
  });

  it("gives up at the timeout with what it last saw", async () => {
    setStatus({ rollout: { phase: "Progressing", canaryWeight: 10, reason: "holding" } });
    let clock = 0;
    const out = await waitForRollout(kubeClients(server).custom, {
      namespace: "shop",
      name: "catalog",
      timeoutMs: 30_000,
      pollMs: 10_000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    expect(out).toMatchObject({ result: "Timeout", rollout: { phase: "Progressing" } });
    expect(EXIT_CODES[out.result]).toBe(4);
  });

  it("exits with the result's code from the command, and names a missing flag", async () => {
    setStatus({ rollout: { phase: "Aborted", canaryWeight: 0, reason: "v2 fails more requests than v1" } });
    // Asynchronously: the API double answers from this very process.
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ["--import", "tsx", "--disable-warning=DEP0044", "delivery/cli.ts", "rollout-wait", ...args],
          {
            cwd: join(import.meta.dirname, ".."),
            env: { ...process.env, MESHPILOT_DEBUG: "" },
            timeout: 60_000,
          },
        );
        let out = "";
        let err = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (err += c.toString()));
        child.on("close", (code) => resolve({ code, out, err }));
      });
    const aborted = await run(["--namespace", "shop", "--intent", "catalog", "--server", server]);
    expect(aborted.code).toBe(EXIT_CODES.Aborted);
    expect(aborted.out).toContain("aborted: all traffic is back on the stable subset");
    const bad = await run(["--namespace", "shop"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--intent is required");
  }, 90_000);
});
