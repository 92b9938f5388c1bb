/**
 * Recent changes read from the cluster, through the real client against the API double: a
 * Deployment's new image tied to the revision Argo CD synced just then, scans kept apart, and a
 * sync history that cannot be read (403) costing only the revision.
 */
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { ChangeLog } from "../aiops/change-log.js";
import { kubeClients } from "../kube/clients.js";
import { applicationObject, deploymentObject } from "../testbed/fixtures.js";
import { KubeApiDouble } from "../testbed/kube-api-double.js";
import { ClusterChanges } from "./cluster-changes.js";

const NS = "shop";
const T0 = Date.parse("2026-12-03T10:00:00Z");
let api: KubeApiDouble;
let changes: ChangeLog;
let scanner: ClusterChanges;
let warnings: string[];

beforeEach(async () => {
  api = new KubeApiDouble();
  const clients = kubeClients(await api.listen());
  const old = deploymentObject(NS, "catalog", "v1", "catalog:1.0.0");
  api.put({ ...old, metadata: { ...old.metadata, creationTimestamp: "2026-11-01T00:00:00Z" } });
  api.put(applicationObject("argocd", "shop", [{ revision: "aaa1111", deployedAt: "2026-11-01T00:00:00Z" }]));
  changes = new ChangeLog();
  warnings = [];
  scanner = new ClusterChanges({
    clients,
    namespaces: [NS],
    changes,
    application: { namespace: "argocd", name: "shop" },
    log: { info: () => undefined, warn: (_f, m) => warnings.push(m) },
    timeoutMs: 5000,
  });
});
afterEach(async () => api.close());

const deploy = (image: string, revision: string, atMs: number) => {
  const current = api.get("apps/v1", "Deployment", NS, "catalog-v1") as Record<string, unknown>;
  const next = deploymentObject(NS, "catalog", "v1", image);
  api.put({ ...next, metadata: current.metadata });
  api.put(
    applicationObject("argocd", "shop", [
      { revision: "aaa1111", deployedAt: "2026-11-01T00:00:00Z" },
      { revision, deployedAt: new Date(atMs).toISOString() },
    ]),
  );
};

describe("recent changes from the cluster", () => {
  it("ties a Deployment's new image to the revision Argo CD synced just then", async () => {
    await scanner.scan(T0);
    expect(changes.since(0)).toEqual([]);
    deploy("catalog:1.1.0", "c0ffee1", T0 + 20_000);
    await scanner.scan(T0 + 30_000);
    expect(changes.since(0)).toEqual([
      {
        atMs: T0 + 30_000,
        service: "catalog",
        kind: "config",
        description:
          "Deployment catalog-v1: image catalog:1.0.0 → catalog:1.1.0, synced from Git revision c0ffee1",
        revision: "c0ffee1",
        path: "apps/shop",
        undo: "git revert c0ffee1 (apps/shop), then let Argo CD sync",
      },
    ]);
  });

  it("scans at most every 15 s, and a change seen late is still seen", async () => {
    await scanner.scan(T0);
    deploy("catalog:1.1.0", "c0ffee1", T0 + 2_000);
    await scanner.scan(T0 + 5_000);
    expect(changes.since(0)).toEqual([]);
    await scanner.scan(T0 + 15_000);
    expect(changes.since(0)).toHaveLength(1);
  });

  it("without the right to read the Application, records the change without its revision, and says why", async () => {
    api.forbid("get", "applications");
    await scanner.scan(T0);
    deploy("catalog:1.1.0", "c0ffee1", T0 + 20_000);
    await scanner.scan(T0 + 30_000);
    expect(changes.since(0)).toEqual([
      expect.objectContaining({ description: "Deployment catalog-v1: image catalog:1.0.0 → catalog:1.1.0" }),
    ]);
    expect(changes.since(0)[0].revision).toBeUndefined();
    expect(warnings).toContain("could not read the Argo CD sync history");
  });

  it("when Deployments cannot be listed, records nothing and compares with the last good listing next time", async () => {
    await scanner.scan(T0);
    api.forbid("list", "deployments");
    deploy("catalog:1.1.0", "c0ffee1", T0 + 20_000);
    await scanner.scan(T0 + 30_000);
    expect(changes.since(0)).toEqual([]);
    expect(warnings).toContain("could not list Deployments for recent changes");
    api.allow("list", "deployments");
    await scanner.scan(T0 + 45_000);
    expect(changes.since(0)).toEqual([expect.objectContaining({ revision: "c0ffee1", atMs: T0 + 45_000 })]);
  });
});
