/**
 * A crash, not a clean stop: the optimizer process is killed (SIGKILL) the moment its first
 * routing write reaches the API server, before it can save anything more. Restarted, it must still
 * know the routing Git declared, so that deleting the intent puts that routing back.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { decodeState } from "./state/state-store.js";
import { intentObject, routingObjects } from "./testbed/fixtures.js";
import { KubeApiDouble } from "./testbed/kube-api-double.js";

jest.setTimeout(60_000);

const NS = "shop";
const APP = "catalog";
const api = new KubeApiDouble();
let server: string;
const children: ChildProcess[] = [];

/** Starts the optimizer process and resolves once it says it is ready. */
async function startProcess() {
  const child = spawn(process.execPath, ["--import", "tsx", "controller/testbed/optimizer-process.ts"], {
    env: { PATH: process.env.PATH ?? "", KUBE_SERVER: server, NAMESPACE: NS },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of [...waiters]) {
      if (out.includes(w.text)) {
        out = out.replace(w.text, "");
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const failed = () =>
        reject(new Error(`the optimizer process ended before "${text}": ${err.slice(-2000)}`));
      child.once("exit", failed);
      waiters.push({
        text,
        resolve: () => {
          child.off("exit", failed);
          resolve();
        },
      });
      child.stdout?.emit("data", Buffer.alloc(0));
    });
  await waitFor("ready\n");
  return {
    child,
    async step() {
      child.stdin?.write("step\n");
      await waitFor("stepped\n");
    },
    async settled(resourceVersion: string) {
      child.stdin?.write(`settle ${NS} ${APP} ${resourceVersion}\n`);
      await waitFor("settled\n");
    },
  };
}

function weights(): Record<string, number> {
  const vs = api.get("networking.istio.io/v1", "VirtualService", NS, APP) as unknown as {
    spec: { http: { route: { destination: { subset: string }; weight: number }[] }[] };
  };
  return Object.fromEntries(vs.spec.http[0].route.map((r) => [r.destination.subset, r.weight]));
}

beforeAll(async () => {
  server = await api.listen();
  const { virtualService, destinationRule } = routingObjects(NS, APP, { v1: 50, v2: 50 });
  api.put(virtualService, "argocd-controller");
  api.put(destinationRule, "argocd-controller");
  api.put(intentObject(NS, APP));
});

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await api.close();
});

describe("a crash between a routing write and the next save", () => {
  test("after a restart, deleting the intent gives back the routing Git declared", async () => {
    const first = await startProcess();
    const exited = new Promise((resolve) => first.child.once("exit", resolve));
    // The kill lands inside the API server's handling of the write: the process never sees the answer.
    api.onChange((type, object) => {
      if (object.kind === "VirtualService" && type === "MODIFIED" && !first.child.killed)
        first.child.kill("SIGKILL");
    });
    // A step that ends without the write (the kill never came) fails here rather than hanging.
    const stepped = first.step().then(() => {
      throw new Error("the first step finished without writing the routing");
    });
    await Promise.race([exited, stepped]);
    expect(weights()).toEqual({ v1: 60, v2: 40 });
    const cm = api.get("v1", "ConfigMap", "meshpilot-optimizer", "meshpilot-optimizer-state") as unknown as {
      binaryData: Record<string, string>;
      metadata: { annotations: Record<string, string> };
    };
    const saved = decodeState(
      cm.binaryData["state.json.gz"],
      cm.metadata.annotations["optimizer.meshpilot.io/sha256"],
    ).intents[`${NS}/${APP}`];
    expect(saved.original?.weights).toEqual({ v1: 50, v2: 50 });
    expect(saved.written?.weights).toEqual({ v1: 60, v2: 40 });

    const restarted = await startProcess();
    api.remove("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", NS, APP);
    // The finalizer keeps the intent until the optimizer has restored the routing.
    const deleting = api.get("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", NS, APP) as {
      metadata: { resourceVersion: string; deletionTimestamp?: string };
    };
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    await restarted.settled(deleting.metadata.resourceVersion);
    await restarted.step();
    expect(weights()).toEqual({ v1: 50, v2: 50 });
    const vs = api.get("networking.istio.io/v1", "VirtualService", NS, APP) as unknown as {
      spec: { http: { retries: unknown }[] };
    };
    expect(vs.spec.http[0].retries).toEqual({
      attempts: 2,
      perTryTimeout: "2s",
      retryOn: "connect-failure,refused-stream",
    });
    expect(api.get("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", NS, APP)).toBeUndefined();
  });
});
