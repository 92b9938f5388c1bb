import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { imageNames } from "../config/shop.js";
import { kubeClients } from "../controller/kube/clients.js";
import { intentObject } from "../controller/testbed/fixtures.js";
import { KubeApiDouble } from "../controller/testbed/kube-api-double.js";
import { releaseEnvironment, releaseRollouts } from "./release.js";
import {
  EXIT_CODES,
  overallResult,
  type RolloutResult,
  rolloutSummary,
  waitForRollout,
  waitForRollouts,
} from "./rollout-wait.js";

const KIND = ["optimizer.meshpilot.io/v1alpha1", "TrafficIntent", "shop", "catalog"] as const;

describe("waiting for a rollout from a pipeline", () => {
  let api: KubeApiDouble;
  let server: string;
  beforeAll(async () => {
    api = new KubeApiDouble();
    server = await api.listen();
  }, 30_000);
  afterAll(() => api.close());

  /** The command, run asynchronously: the API double answers from this very process. */
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
    const aborted = await run(["--namespace", "shop", "--intent", "catalog", "--server", server]);
    expect(aborted.code).toBe(EXIT_CODES.Aborted);
    expect(aborted.out).toContain("aborted: all traffic is back on the stable subset");
    const bad = await run(["--namespace", "shop"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--intent is required");
  }, 90_000);

  describe("the rollouts a release started", () => {
    const TAG = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a";
    const digests = Object.fromEntries(imageNames().map((image) => [image, `sha256:${"ef".repeat(32)}`]));
    const [expected] = releaseRollouts(releaseEnvironment({ env: "dev", tag: TAG, digests }));
    const RECOMMENDATION = [
      "optimizer.meshpilot.io/v1alpha1",
      "TrafficIntent",
      "shop",
      "recommendation",
    ] as const;

    /** The recommendation intent as Argo CD left it, with a result for the image it names. */
    function putRecommendation(canaryImage: string, phase: string) {
      api.put(
        intentObject("shop", "recommendation", { rollout: { stable: "v1", canary: "v2", canaryImage } }),
      );
      const current = api.get(...RECOMMENDATION) as { metadata: { generation?: number } } & Record<
        string,
        unknown
      >;
      api.put({
        ...current,
        status: {
          observedGeneration: current.metadata.generation ?? 1,
          rollout: { phase, canaryWeight: 100 },
        },
      });
    }

    it("are dev's recommendation rollout, with the release's image as the canary's", () => {
      expect(expected).toEqual({
        namespace: "shop",
        name: "recommendation",
        canaryImage: `222222222222.dkr.ecr.eu-west-1.amazonaws.com/meshpilot/recommendation:${TAG}@${digests.recommendation}`,
        timeoutMs: 40 * 60_000,
      });
    });

    it("a result for the previous image does not count: the wait lasts until Argo CD syncs the release", async () => {
      putRecommendation("registry.example/recommendation:old@sha256:0", "Promoted");
      let clock = 0;
      const script = [
        () => undefined,
        () => putRecommendation(expected.canaryImage as string, "Progressing"),
        () => putRecommendation(expected.canaryImage as string, "Aborted"),
      ];
      const outcomes = await waitForRollouts(kubeClients(server).custom, [expected], {
        pollMs: 10_000,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
          script.shift()?.();
        },
      });
      expect(outcomes).toMatchObject([{ name: "recommendation", result: "Aborted" }]);
      expect(clock).toBe(30_000);
    });

    it("over several rollouts, an abort decides; then no result; then a person's call", () => {
      const of = (...results: RolloutResult[]) =>
        overallResult(results.map((result, i) => ({ namespace: "shop", name: `s${i}`, result })));
      expect(of("Promoted", "Aborted", "Timeout")).toBe("Aborted");
      expect(of("Promoted", "Inconclusive", "Timeout")).toBe("Timeout");
      expect(of("Promoted", "Inconclusive")).toBe("Inconclusive");
      expect(of("Promoted", "Promoted")).toBe("Promoted");
      expect(of()).toBe("Promoted");
    });

    it("the command waits for the release's rollouts and writes the promoted services for the next render", async () => {
      putRecommendation(expected.canaryImage as string, "Promoted");
      const dir = mkdtempSync(join(tmpdir(), "meshpilot-rollout-wait-"));
      try {
        mkdirSync(join(dir, "digests"));
        for (const [image, digest] of Object.entries(digests))
          writeFileSync(join(dir, "digests", image), digest);
        const done = await run([
          ...["--env", "dev", "--tag", TAG, "--digests", join(dir, "digests"), "--server", server],
          ...["--summary", join(dir, "summary.md"), "--promoted", join(dir, "promoted")],
        ]);
        expect(done.code).toBe(EXIT_CODES.Promoted);
        expect(readFileSync(join(dir, "promoted"), "utf8")).toBe("recommendation");
        expect(readFileSync(join(dir, "summary.md"), "utf8")).toContain(
          "### Rollout of shop/recommendation: promoted",
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 90_000);
  });
});
