/**
 * The optimizer image runs its esbuild bundle with the pre-trained table beside it. No Docker
 * engine runs here, so this runs that bundle as a process against the Kubernetes API double and
 * checks what the pod would do: refuse bad settings in one line, take the lease, serve /metrics,
 * and release the lease on SIGTERM.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, jest, test } from "@jest/globals";
import { capture, stopChild, waitFor } from "../common/child-process.js";
import { freePort } from "../common/free-port.js";
import { OPTIMIZER_IMAGE } from "../config/shop.js";
import { bundleService } from "../services/bundle.js";
import { KubeApiDouble } from "./testbed/kube-api-double.js";

jest.setTimeout(60_000);

const out = mkdtempSync(join(tmpdir(), "meshpilot-optimizer-bundle-"));
const api = new KubeApiDouble();

/** Who holds the optimizer's Lease in the double. */
function holder(): string | undefined {
  const lease = api.get(
    "coordination.k8s.io/v1",
    "Lease",
    "meshpilot-system",
    "meshpilot-optimizer",
  ) as unknown as { spec: { holderIdentity?: string } } | undefined;
  return lease?.spec.holderIdentity;
}
let server: string;

beforeAll(async () => {
  await bundleService(OPTIMIZER_IMAGE, out);
  server = await api.listen();
});
afterAll(async () => {
  await api.close();
  rmSync(out, { recursive: true, force: true });
});

test("the bundle carries the pre-trained table and refuses a bad setting in one line", () => {
  expect(existsSync(join(out, OPTIMIZER_IMAGE, "q-table.json"))).toBe(true);
  const bad = spawnSync(process.execPath, [join(out, OPTIMIZER_IMAGE, "service.mjs")], {
    env: { PATH: process.env.PATH, INTERVAL_SECONDS: "0" },
    encoding: "utf8",
  });
  expect(bad.status).toBe(2);
  expect(bad.stderr.trim()).toBe(
    'optimizer: INTERVAL_SECONDS is "0" but must be a whole number from 1 to 3600',
  );
});

test("the bundle takes the lease, serves its metrics, and gives the lease back on SIGTERM", async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [join(out, OPTIMIZER_IMAGE, "service.mjs")], {
    env: {
      PATH: process.env.PATH,
      KUBE_SERVER: server,
      PROMETHEUS_URL: "http://127.0.0.1:9",
      POD_NAME: "optimizer-0",
      POD_NAMESPACE: "meshpilot-system",
      PRETRAINED_TABLE: join(out, OPTIMIZER_IMAGE, "q-table.json"),
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = capture(child);
  try {
    await waitFor(
      "the optimizer bundle",
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (!res.ok) throw new Error(`readyz answered ${res.status}`);
      },
      child,
      log,
    );
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^meshpilot_optimizer_leader 1$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(holder()).toBe("optimizer-0");
  } finally {
    await stopChild(child, "SIGTERM");
  }
  expect(holder()).toBeUndefined();
});
