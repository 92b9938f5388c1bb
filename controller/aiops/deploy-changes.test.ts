import { describe, expect, it } from "@jest/globals";
import {
  type DeployedRevision,
  DeploymentChanges,
  type DeploymentView,
  revisionAt,
} from "./deploy-changes.js";

const MIN = 60_000;
const NOW = 1000 * MIN;
const deployment = (over: Partial<DeploymentView> = {}): DeploymentView => ({
  namespace: "shop",
  name: "catalog-v1",
  app: "catalog",
  version: "v1",
  generation: 1,
  createdMs: 0,
  images: ["catalog:1.0.0"],
  ...over,
});
const history: DeployedRevision[] = [
  { revision: "aaa111", deployedAtMs: NOW - 60 * MIN, path: "gitops/prod/shop" },
  { revision: "bbb222", deployedAtMs: NOW + 1 * MIN, path: "gitops/prod/shop" },
];

describe("changes read from the cluster's Deployments", () => {
  it("on the first scan reports only Deployments created within the lookback, dated by their creation", () => {
    const changes = new DeploymentChanges(30 * MIN);
    const out = changes.scan(
      [
        deployment(),
        deployment({
          name: "catalog-v2",
          version: "v2",
          createdMs: NOW - 10 * MIN,
          images: ["catalog:2.0.0"],
        }),
      ],
      [],
      NOW,
    );
    expect(out).toEqual([
      {
        atMs: NOW - 10 * MIN,
        service: "catalog",
        kind: "version",
        description: "new Deployment catalog-v2 (version subset v2) running catalog:2.0.0",
      },
    ]);
    expect(changes.scan([deployment()], [], NOW + MIN)).toEqual([]);
  });

  it("reports a changed pod template at the scan, with the image change when there is one, tied to the revision Argo CD synced then", () => {
    const changes = new DeploymentChanges();
    changes.scan([deployment(), deployment({ name: "cart-v1", app: "cart" })], history, NOW - MIN);
    const out = changes.scan(
      [
        deployment({ generation: 2, images: ["catalog:1.1.0"] }),
        deployment({ name: "cart-v1", app: "cart", generation: 3 }),
      ],
      history,
      NOW,
    );
    expect(out).toEqual([
      {
        atMs: NOW,
        service: "catalog",
        kind: "config",
        description:
          "Deployment catalog-v1: image catalog:1.0.0 → catalog:1.1.0, synced from Git revision bbb222",
        revision: "bbb222",
        path: "gitops/prod/shop",
        undo: "git revert bbb222 (gitops/prod/shop), then let Argo CD sync",
      },
      expect.objectContaining({
        service: "cart",
        description: "Deployment cart-v1: spec changed (generation 1 → 3), synced from Git revision bbb222",
      }),
    ]);
    expect(
      changes.scan([deployment({ generation: 2, images: ["catalog:1.1.0"] })], history, NOW + MIN),
    ).toEqual([]);
  });

  it("ties a change only to a sync shortly before it (or just after, as Argo CD dates a sync at its end)", () => {
    expect(revisionAt(history, NOW)?.revision).toBe("bbb222");
    expect(revisionAt(history, NOW - 62 * MIN)?.revision).toBe("aaa111");
    expect(revisionAt(history, NOW - 30 * MIN)).toBeUndefined();
    expect(revisionAt(history, NOW + 20 * MIN)).toBeUndefined();
  });
});
