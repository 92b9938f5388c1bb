import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GIT_FLOOR_ANNOTATION,
  LANE_LABEL,
  LANE_QUARANTINE,
  LANE_SERVING,
  LANE_SUBSET,
} from "../api/optimizer.js";
import { ENVIRONMENTS, type EnvironmentConfig } from "../config/environments.js";
import { callEdges, SHOP_SERVICES, type ShopService } from "../config/shop.js";
import { NAMESPACES, OPTIMIZER_FIELD_MANAGER } from "../constructs/k8s/namespaces.js";
import { type Manifest, SchemaError, validateManifest } from "../constructs/k8s/schemas.js";
import { manifestFileName, synthGitOpsTree, TREE_APPLICATIONS, writeGitOpsTree } from "./gitops-tree.js";

const dev = ENVIRONMENTS.find((e) => e.name === "dev") as EnvironmentConfig;
const prod = ENVIRONMENTS.find((e) => e.name === "prod") as EnvironmentConfig;
const devTree = synthGitOpsTree(dev);
const all = (tree: Record<string, Manifest[]>) => Object.values(tree).flat();
type Obj = Record<string, any>;

describe("GitOps tree", () => {
  it("has one directory per chart plus the Applications", () => {
    expect(Object.keys(devTree).sort()).toEqual([
      "addons",
      "apps",
      "mesh",
      "observability",
      "optimizer",
      "shop",
    ]);
  });

  it.each(ENVIRONMENTS.map((e) => e.name))(
    "validates every %s object against its upstream schema",
    (name) => {
      const tree = synthGitOpsTree(ENVIRONMENTS.find((e) => e.name === name) as EnvironmentConfig);
      const objects = all(tree);
      expect(objects.length).toBeGreaterThan(100);
      for (const m of objects) expect(() => validateManifest(m)).not.toThrow();
    },
  );

  it("rejects an object that breaks its schema, naming it", () => {
    const vs = devTree.shop.find((m) => m.kind === "VirtualService") as Manifest;
    const broken = {
      ...vs,
      spec: { ...(vs.spec as Obj), http: [{ route: [{ destination: { host: 42 } }] }] },
    };
    expect(() => validateManifest(broken)).toThrow(SchemaError);
    expect(() => validateManifest(broken)).toThrow(
      `networking.istio.io/v1 VirtualService shop/${vs.metadata.name} does not match its schema`,
    );
    expect(() =>
      validateManifest({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }),
    ).toThrow("no upstream schema is registered for this kind");
  });

  it("is deterministic and writes one stable file per object", () => {
    expect(synthGitOpsTree(dev)).toEqual(devTree);
    const out = mkdtempSync(join(tmpdir(), "meshpilot-tree-"));
    try {
      const files = writeGitOpsTree(out, dev, devTree);
      expect(files).toHaveLength(all(devTree).length);
      expect(readdirSync(join(out, "dev")).sort()).toEqual(Object.keys(devTree).sort());
      expect(readFileSync(join(out, "dev", "shop", "shop.virtualservice.catalog.yaml"), "utf8")).toContain(
        "kind: VirtualService",
      );
      for (const m of all(devTree)) expect(m.metadata.name).not.toMatch(/-[0-9a-f]{8}$/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    expect(manifestFileName({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } })).toBe(
      "namespace.shop.yaml",
    );
  });

  it("refuses two objects that would share a file", () => {
    const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } };
    const out = mkdtempSync(join(tmpdir(), "meshpilot-tree-"));
    try {
      expect(() => writeGitOpsTree(out, dev, { mesh: [ns, ns] })).toThrow(
        "two objects in 'mesh' would both be written to namespace.x.yaml",
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("syncs the add-ons, then mesh, then observability, then shop, then the optimizer, each in its project (see argo-projects.test.ts)", () => {
    const apps = devTree.apps.filter((m) => m.kind === "Application");
    const wave = (name: string) =>
      Number(
        apps.find((a) => a.metadata.name === name)?.metadata.annotations?.["argocd.argoproj.io/sync-wave"],
      );
    expect(["addons", "mesh", "observability", "shop", "optimizer"].map(wave)).toEqual([0, 1, 2, 3, 4]);
    expect(TREE_APPLICATIONS.map((a) => a.name)).toEqual([
      "addons",
      "mesh",
      "observability",
      "shop",
      "optimizer",
    ]);
    for (const app of all(devTree).filter((m) => m.kind === "Application")) {
      const spec = app.spec as Obj;
      expect(spec.project).toMatch(/^meshpilot-(platform|shop)$/);
      expect(spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(spec.syncPolicy.retry.backoff).toEqual(expect.objectContaining({ duration: "10s", factor: 2 }));
    }
    expect(((devTree.apps.find((a) => a.metadata.name === "shop") as Manifest).spec as Obj).source.path).toBe(
      "dev/shop",
    );
  });

  it("lets the optimizer own routing: every shop VirtualService and DestinationRule is ignored for its field manager", () => {
    const shopApp = devTree.apps.find(
      (m) => m.kind === "Application" && m.metadata.name === "shop",
    ) as Manifest;
    const spec = shopApp.spec as Obj;
    expect(spec.syncPolicy.syncOptions).toEqual(
      expect.arrayContaining(["RespectIgnoreDifferences=true", "ServerSideApply=true"]),
    );
    const routing = devTree.shop.filter(
      (m) => ["VirtualService", "DestinationRule"].includes(m.kind) && !m.metadata.name.endsWith("-ingress"),
    );
    expect(routing).toHaveLength(2 * SHOP_SERVICES.length);
    for (const m of routing) {
      expect(spec.ignoreDifferences).toContainEqual({
        group: "networking.istio.io",
        kind: m.kind,
        name: m.metadata.name,
        namespace: NAMESPACES.shop,
        managedFieldsManagers: [OPTIMIZER_FIELD_MANAGER],
      });
    }
  });

  it("ignores, on the HPAs an intent autoscales and no others, the floor and scale-up window the optimizer sets and its record of Git's", () => {
    const shopApp = devTree.apps.find((m) => m.metadata.name === "shop") as Manifest;
    const ignored = (shopApp.spec as Obj).ignoreDifferences as Obj[];
    expect(ignored.filter((d) => d.kind === "HorizontalPodAutoscaler")).toEqual([
      {
        group: "autoscaling",
        kind: "HorizontalPodAutoscaler",
        name: "frontend-v1",
        namespace: NAMESPACES.shop,
        jqPathExpressions: [
          ".spec.minReplicas",
          ".spec.behavior.scaleUp.stabilizationWindowSeconds",
          `.metadata.annotations["${GIT_FLOOR_ANNOTATION}"]`,
        ],
      },
    ]);
    const prodShop = synthGitOpsTree(prod).apps.find((m) => m.metadata.name === "shop") as Manifest;
    expect(
      ((prodShop.spec as Obj).ignoreDifferences as Obj[]).filter((d) => d.kind === "HorizontalPodAutoscaler"),
    ).toEqual([]);
  });

  it("leaves the quarantine lane to the optimizer: its label is in no selector Argo CD or a controller acts on, and nothing it writes for the lane is in Git", () => {
    const all = [...devTree.shop, ...devTree.optimizer, ...devTree.apps];
    // Pods, and the optimizer's own EnvoyFilters, are not in Git: self-heal has nothing to put back.
    expect(all.filter((m) => m.kind === "Pod")).toEqual([]);
    expect(all.filter((m) => m.kind === "EnvoyFilter" && m.metadata.name.startsWith("meshpilot-"))).toEqual(
      [],
    );
    const deployments = devTree.shop.filter((m) => m.kind === "Deployment") as unknown as {
      metadata: { name: string };
      spec: {
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string> } };
      };
    }[];
    const routed = deployments.filter((d) => d.spec.template.metadata.labels[LANE_LABEL] !== undefined);
    // Every version of every shop service (some run two).
    expect(routed.length).toBeGreaterThanOrEqual(SHOP_SERVICES.length);
    for (const d of routed) {
      // The template starts every pod serving; the ReplicaSet's selector ignores the label, so a
      // quarantined pod stays its pod.
      expect(d.spec.template.metadata.labels[LANE_LABEL]).toBe(LANE_SERVING);
      expect(Object.keys(d.spec.selector.matchLabels)).not.toContain(LANE_LABEL);
    }
    // The Services keep a quarantined pod's endpoint (the lane's subset needs it).
    for (const svc of devTree.shop.filter((m) => m.kind === "Service") as unknown as {
      spec: { selector?: object };
    }[])
      expect(Object.keys(svc.spec.selector ?? {})).not.toContain(LANE_LABEL);
    // Every routed version's subset selects serving pods, and each rule has the lane's subset.
    const rules = devTree.shop.filter(
      (m) => m.kind === "DestinationRule" && !m.metadata.name.endsWith("-ingress"),
    ) as unknown as {
      spec: { subsets: { name: string; labels: Record<string, string> }[] };
    }[];
    for (const dr of rules) {
      for (const subset of dr.spec.subsets)
        expect(subset.labels[LANE_LABEL]).toBe(subset.name === LANE_SUBSET ? LANE_QUARANTINE : LANE_SERVING);
      expect(dr.spec.subsets.map((x) => x.name)).toContain(LANE_SUBSET);
    }
  });

  it("lets the optimizer read the sync history of the shop's Application, which exists, and nothing else of Argo CD", () => {
    expect(devTree.optimizer.some((m) => m.metadata.namespace === "argocd")).toBe(false);
    const role = devTree.addons.find(
      (m) => m.kind === "Role" && m.metadata.name === "meshpilot-optimizer-argocd",
    ) as Manifest;
    expect(role.metadata.namespace).toBe("argocd");
    expect((role as unknown as { rules: unknown[] }).rules).toEqual([
      { apiGroups: ["argoproj.io"], resources: ["applications"], resourceNames: ["shop"], verbs: ["get"] },
    ]);
    expect(devTree.apps.some((m) => m.kind === "Application" && m.metadata.name === "shop")).toBe(true);
  });

  it("leaves an operator's pause and the routing overrides alone: self-heal never releases them", () => {
    const app = devTree.apps.find(
      (m) => m.kind === "Application" && m.metadata.name === "optimizer",
    ) as Manifest;
    const spec = app.spec as Obj;
    expect(spec.ignoreDifferences).toEqual([
      {
        group: "optimizer.meshpilot.io",
        kind: "TrafficIntent",
        jqPathExpressions: [".spec.paused", '.metadata.annotations["optimizer.meshpilot.io/overrides"]'],
      },
    ]);
    expect(spec.syncPolicy.syncOptions).toContain("RespectIgnoreDifferences=true");
  });

  it("runs Redis and PostgreSQL in dev and points prod at its managed stores", () => {
    expect(
      devTree.shop
        .filter((m) => m.kind === "StatefulSet")
        .map((m) => m.metadata.name)
        .sort(),
    ).toEqual(["cart-redis", "orders-postgresql"]);
    const prodTree = synthGitOpsTree(prod);
    expect(prodTree.shop.filter((m) => m.kind === "StatefulSet")).toEqual([]);
    const stores = prod.shop.dataStores;
    if (stores.mode !== "external") throw new Error("prod is expected to use external stores");
    const hosts = prodTree.shop
      .filter((m) => m.kind === "ServiceEntry")
      .flatMap((m) => (m.spec as Obj).hosts);
    expect(hosts.sort()).toEqual([stores.postgresql.host, stores.redis.host].sort());
    const ordersConfig = prodTree.shop.find(
      (m) => m.kind === "ConfigMap" && m.metadata.name === "orders-config",
    ) as Manifest;
    expect((ordersConfig.data as Obj).DATABASE_HOST).toBe("orders.prod.db.internal.example.com");
  });

  it("derives each service's ConfigMap from the model and references secrets without values", () => {
    const checkout = devTree.shop.find(
      (m) => m.kind === "ConfigMap" && m.metadata.name === "checkout-config",
    ) as Manifest;
    expect(checkout.data).toEqual(
      expect.objectContaining({
        CART_URL: "http://cart.shop.svc.cluster.local:8082",
        PAYMENTS_URL: "http://payments.shop.svc.cluster.local:8084",
        PORT: "8083",
      }),
    );
    expect(all(devTree).filter((m) => m.kind === "Secret")).toEqual([]);
    const orders = devTree.shop.find(
      (m) => m.kind === "Deployment" && m.metadata.name === "orders-v1",
    ) as Manifest;
    const env = (orders.spec as Obj).template.spec.containers[0].env;
    expect(env).toContainEqual({
      name: "DATABASE_PASSWORD",
      valueFrom: { secretKeyRef: { name: "orders-postgresql", key: "password" } },
    });
  });

  it("exposes only the frontend, through the ingress gateway over HTTPS", () => {
    const gateway = devTree.shop.find((m) => m.kind === "Gateway") as Manifest;
    expect(gateway.metadata.namespace).toBe(NAMESPACES.ingress);
    const servers = (gateway.spec as Obj).servers;
    expect(servers[0].tls).toEqual(expect.objectContaining({ mode: "SIMPLE", credentialName: "shop-tls" }));
    expect(servers[1].tls).toEqual({ httpsRedirect: true });
    const ingress = devTree.shop.filter(
      (m) => m.kind === "VirtualService" && m.metadata.name.endsWith("-ingress"),
    );
    expect(ingress.map((m) => m.metadata.name)).toEqual(["frontend-ingress"]);
  });

  it("fails at synth on a bad shop model, naming the fix", () => {
    const bad: ShopService[] = SHOP_SERVICES.map((s) =>
      s.name === "cart" ? { ...s, replicas: { min: 4, max: 2 } } : s,
    );
    expect(() => synthGitOpsTree(dev, bad)).toThrow(
      "shop model: service 'cart': 'replicas.min' (4) is above 'replicas.max' (2)",
    );
  });
});

/** Who may call whom, read back from the policies that enforce it. */
describe("graph test: NetworkPolicies, AuthorizationPolicies and the call graph agree", () => {
  const services = new Set(SHOP_SERVICES.map((s) => s.name));
  const shopObjects = devTree.shop;

  const networkEdges = shopObjects
    .filter((m) => m.kind === "NetworkPolicy" && services.has((m.spec as Obj).podSelector?.matchLabels?.app))
    .flatMap((m) => {
      const target = (m.spec as Obj).podSelector.matchLabels.app;
      return ((m.spec as Obj).ingress ?? []).flatMap((rule: Obj) =>
        (rule.from ?? [])
          .filter((peer: Obj) => !peer.namespaceSelector)
          .flatMap((peer: Obj) =>
            (peer.podSelector?.matchExpressions ?? []).flatMap((e: Obj) =>
              e.key === "app" && e.operator === "In" ? e.values : [],
            ),
          )
          .map((caller: string) => `${caller}->${target}`),
      );
    })
    .sort();

  const authorizationEdges = shopObjects
    .filter(
      (m) => m.kind === "AuthorizationPolicy" && services.has((m.spec as Obj).selector?.matchLabels?.app),
    )
    .flatMap((m) => {
      const target = (m.spec as Obj).selector.matchLabels.app;
      return ((m.spec as Obj).rules ?? []).flatMap((rule: Obj) =>
        (rule.from ?? []).flatMap((f: Obj) =>
          (f.source?.principals ?? [])
            .map((p: string) => /^cluster\.local\/ns\/shop\/sa\/(.+)$/.exec(p)?.[1])
            .filter((caller: string | undefined) => caller !== undefined)
            .map((caller: string) => `${caller}->${target}`),
        ),
      );
    })
    .sort();

  it("NetworkPolicy edges are the call graph", () => {
    expect(networkEdges).toEqual(callEdges());
  });

  it("AuthorizationPolicy edges are the call graph", () => {
    expect(authorizationEdges).toEqual(callEdges());
  });

  it("only the public frontend admits the ingress gateway", () => {
    const admitsGateway = shopObjects
      .filter((m) => m.kind === "AuthorizationPolicy")
      .filter((m) => JSON.stringify(m.spec).includes(`ns/${NAMESPACES.ingress}/sa/`))
      .map((m) => m.metadata.name);
    expect(admitsGateway).toEqual(["frontend"]);
  });

  it("each store admits exactly the services that own it", () => {
    const storeClients = (name: string) =>
      (
        (shopObjects.find((m) => m.kind === "NetworkPolicy" && m.metadata.name === name) as Manifest)
          .spec as Obj
      ).ingress[0].from[0].podSelector.matchExpressions[0].values;
    expect(storeClients("cart-redis")).toEqual(
      SHOP_SERVICES.filter((s) => s.store === "redis").map((s) => s.name),
    );
    expect(storeClients("orders-postgresql")).toEqual(
      SHOP_SERVICES.filter((s) => s.store === "postgresql").map((s) => s.name),
    );
  });
});

describe("chart snapshots (dev)", () => {
  it.each(Object.keys(devTree))("matches the %s snapshot", (application) => {
    expect(devTree[application]).toMatchSnapshot();
  });
});
