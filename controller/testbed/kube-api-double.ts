/**
 * A test double of the Kubernetes API server, speaking its HTTP protocol to the real
 * `@kubernetes/client-node`. There is no API server to be had in this environment (no kind, no
 * envtest binaries, no Docker), so the controller's tests run against this instead. It is a
 * double, not a cluster: it keeps objects in memory and implements only what the optimizer uses.
 *
 * What it implements, as the real server does:
 * - discovery (`/api`, `/api/v1`, `/apis`, `/apis/{group}/{version}`) for the kinds registered;
 * - get, list (namespaced and across namespaces), watch (JSON lines, from a resourceVersion;
 *   410 Gone when the version is older than the history kept), create, update, delete;
 * - patch with all four content types: server-side apply (`application/apply-patch+yaml`, which
 *   needs a fieldManager and honours `metadata.resourceVersion` as a precondition), JSON merge
 *   patch, JSON patch, and strategic merge patch (handled as a merge patch: the optimizer never
 *   sends one, and the kinds here have no patch-merge keys);
 * - resourceVersion on every object, 409 Conflict on a stale one, `metadata.generation` bumped on
 *   spec changes, the `status` subresource for kinds that declare it, managedFields per manager;
 * - the Eviction API (`pods/{name}/eviction`) as it answers when no PodDisruptionBudget objects;
 * - Status bodies for 400, 403, 404, 409, 410 and 500.
 *
 * Server-side apply keeps, per manager, the set of fields it applied (lists are atomic, as
 * Istio's are): a field a manager applied before and leaves out of its next apply is removed,
 * unless another manager applied it too; a plain update takes ownership of what it changes.
 *
 * What it does not: admission, authentication, schema validation, field ownership conflicts
 * between managers (every apply here behaves as `force=true`), label or field selectors.
 * Tests add faults (`fail`) and permission gaps (`forbid`) to prove the controller's handling.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";

export interface KubeKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly statusSubresource?: boolean;
}

/** The kinds the optimizer reads and writes. */
export const OPTIMIZER_KINDS: readonly KubeKind[] = [
  { group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true },
  { group: "", version: "v1", kind: "Event", plural: "events", namespaced: true },
  { group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true },
  { group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true },
  { group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true },
  {
    group: "argoproj.io",
    version: "v1alpha1",
    kind: "Application",
    plural: "applications",
    namespaced: true,
  },
  {
    group: "autoscaling",
    version: "v2",
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
    namespaced: true,
    statusSubresource: true,
  },
  {
    group: "networking.istio.io",
    version: "v1",
    kind: "VirtualService",
    plural: "virtualservices",
    namespaced: true,
  },
  {
    group: "networking.istio.io",
    version: "v1",
    kind: "DestinationRule",
    plural: "destinationrules",
    namespaced: true,
  },
  {
    group: "networking.istio.io",
    version: "v1alpha3",
    kind: "EnvoyFilter",
    plural: "envoyfilters",
    namespaced: true,
  },
  {
    group: "optimizer.meshpilot.io",
    version: "v1alpha1",
    kind: "TrafficIntent",
    plural: "trafficintents",
    namespaced: true,
    statusSubresource: true,
  },
  {
    group: "optimizer.meshpilot.io",
    version: "v1alpha1",
    kind: "AIOpsPolicy",
    plural: "aiopspolicies",
    namespaced: true,
    statusSubresource: true,
  },
];

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string; resourceVersion?: string };
  [field: string]: unknown;
};

export interface RbacRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType?: string;
  readonly status: number;
  readonly body?: unknown;
}

/** A fault: the next `times` requests that match answer `status`, or hang for `delayMs` first. */
export interface Fault {
  readonly method?: string;
  /** Matches when the path contains this. */
  readonly path?: string;
  readonly status?: number;
  readonly delayMs?: number;
  times: number;
}

interface WatchEvent {
  readonly rv: number;
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly object: Obj;
  readonly key: string;
}

type Listener = (type: WatchEvent["type"], object: Obj) => void;

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export class KubeApiDouble {
  private readonly objects = new Map<string, Obj>();
  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Set<{ kind: KubeKind; namespace?: string; res: ServerResponse }>();
  private readonly listeners = new Set<Listener>();
  private readonly forbidden = new Set<string>();
  private readonly faults: Fault[] = [];
  /** When set, RBAC Role rules by namespace: anything they do not allow is 403. */
  private roles?: ReadonlyMap<string, readonly RbacRule[]>;
  /** Object key → apply manager → the leaf fields it owns. */
  private readonly owned = new Map<string, Map<string, Set<string>>>();
  private rv = 100;
  private server?: Server;
  readonly requests: RequestRecord[] = [];
  /** Pods evicted through the Eviction API, as namespace/name. */
  readonly evictions: string[] = [];

  constructor(readonly kinds: readonly KubeKind[] = OPTIMIZER_KINDS) {}

  /** Refuses a verb on a resource with 403, as RBAC would: `forbid("patch", "virtualservices")`. */
  forbid(verb: string, plural: string): void {
    this.forbidden.add(`${verb}:${plural}`);
  }

  allow(verb: string, plural: string): void {
    this.forbidden.delete(`${verb}:${plural}`);
  }

  /**
   * Authorizes every request against these Role rules (by namespace), as the RBAC authorizer
   * would for a service account bound to them: verbs, API groups, resources (with `/status`),
   * and resourceNames. Discovery stays open, as it is for every authenticated user.
   */
  authorizeWith(roles: ReadonlyMap<string, readonly RbacRule[]>): void {
    this.roles = roles;
  }

  fail(fault: Fault): void {
    this.faults.push(fault);
  }

  /** Called with every change, for the simulated mesh that follows the routing written here. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The stored object, or undefined. Returns a copy. */
  get(apiVersion: string, kind: string, namespace: string, name: string): Obj | undefined {
    const o = this.objects.get(this.keyOf(this.kindOf(apiVersion, kind), namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  list(apiVersion: string, kind: string): Obj[] {
    const k = this.kindOf(apiVersion, kind);
    return [...this.objects.values()]
      .filter((o) => o.apiVersion === apiVersion && o.kind === k.kind)
      .map((o) => structuredClone(o));
  }

  /**
   * Creates or replaces an object directly, as a user with kubectl would. A new object keeps the
   * creationTimestamp it carries: a test seeds an object that has existed since then.
   */
  put(object: Record<string, unknown>, manager = "kubectl"): Obj {
    const o = structuredClone(object) as Obj;
    const k = this.kindOf(o.apiVersion, o.kind);
    const key = this.keyOf(k, o.metadata.namespace, o.metadata.name);
    const old = this.objects.get(key);
    const seeded = o.metadata.creationTimestamp as string | undefined;
    return this.store(k, key, o, old, manager, "Update", false, seeded);
  }

  /** Deletes an object directly, as `kubectl delete` would: an object with finalizers only gets its deletionTimestamp. */
  remove(apiVersion: string, kind: string, namespace: string, name: string): void {
    const k = this.kindOf(apiVersion, kind);
    const key = this.keyOf(k, namespace, name);
    const old = this.objects.get(key);
    if (old) this.delete(k, key, old);
  }

  /**
   * The API server's deletion: with finalizers left, the object stays with a deletionTimestamp
   * until the last one is removed; without, it goes at once.
   */
  private delete(kind: KubeKind, key: string, old: Obj): Obj | undefined {
    if (((old.metadata.finalizers as string[] | undefined) ?? []).length === 0) {
      this.drop(key, old);
      return undefined;
    }
    if (old.metadata.deletionTimestamp) return old;
    const marked = { ...old, metadata: { ...old.metadata, deletionTimestamp: new Date().toISOString() } };
    return this.store(kind, key, marked, old, "kube-apiserver", "Update");
  }

  /** Writes (create, update, patch, delete) that reached the store, optionally for one resource. */
  writes(plural?: string): RequestRecord[] {
    return this.requests.filter(
      (r) => r.method !== "GET" && r.status < 300 && (plural === undefined || r.path.includes(`/${plural}`)),
    );
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => this.send(req, res, 500, status(500, "InternalError", String(e))));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private kindOf(apiVersion: string, kind: string): KubeKind {
    const k = this.kinds.find((x) => apiVersionOf(x) === apiVersion && x.kind === kind);
    if (!k) throw new Error(`the double has no kind ${apiVersion} ${kind}`);
    return k;
  }

  private keyOf(k: KubeKind, namespace: string | undefined, name: string): string {
    return `${apiVersionOf(k)}/${k.plural}/${namespace ?? ""}/${name}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double");
    const method = req.method ?? "GET";
    const raw = await readBody(req);
    const fault = this.faults.find(
      (f) => f.times > 0 && (!f.method || f.method === method) && (!f.path || url.pathname.includes(f.path)),
    );
    if (fault) {
      fault.times--;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status) {
        return this.send(
          req,
          res,
          fault.status,
          status(fault.status, reasonOf(fault.status), "injected fault"),
        );
      }
    }
    try {
      const discovery = this.discovery(url.pathname);
      if (discovery) return this.send(req, res, 200, discovery);
      const route = this.route(url.pathname);
      const query = Object.fromEntries(url.searchParams);
      const verb =
        method === "GET"
          ? query.watch === "true"
            ? "watch"
            : route.name
              ? "get"
              : "list"
          : ({ POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" } as Record<string, string>)[
              method
            ];
      if (!verb) throw new HttpError(405, "MethodNotAllowed", `method ${method} is not supported`);
      const resource = route.subresource ? `${route.kind.plural}/${route.subresource}` : route.kind.plural;
      if (
        this.forbidden.has(`${verb}:${route.kind.plural}`) ||
        !this.allowed(verb, route.kind.group, resource, route.namespace, route.name)
      ) {
        throw new HttpError(
          403,
          "Forbidden",
          `${route.kind.plural}${route.kind.group ? `.${route.kind.group}` : ""} is forbidden: cannot ${verb} in namespace "${route.namespace ?? ""}"`,
        );
      }
      if (verb === "watch") return this.watch(req, res, route, query);
      const out = this.execute(verb, route, query, req.headers["content-type"], raw);
      return this.send(req, res, out.code, out.body);
    } catch (e) {
      if (e instanceof HttpError) return this.send(req, res, e.code, status(e.code, e.reason, e.message));
      throw e;
    }
  }

  private allowed(verb: string, group: string, resource: string, namespace?: string, name?: string): boolean {
    if (!this.roles) return true;
    const rules = namespace ? (this.roles.get(namespace) ?? []) : [];
    return rules.some(
      (r) =>
        r.verbs.includes(verb) &&
        r.apiGroups.includes(group) &&
        r.resources.includes(resource) &&
        (!r.resourceNames || (name !== undefined && r.resourceNames.includes(name))),
    );
  }

  private discovery(path: string): unknown {
    const resources = (group: string, version: string) => ({
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: group ? `${group}/${version}` : version,
      resources: this.kinds
        .filter((k) => k.group === group && k.version === version)
        .flatMap((k) => [
          {
            name: k.plural,
            singularName: k.kind.toLowerCase(),
            namespaced: k.namespaced,
            kind: k.kind,
            verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
          },
          ...(k.statusSubresource
            ? [
                {
                  name: `${k.plural}/status`,
                  singularName: "",
                  namespaced: k.namespaced,
                  kind: k.kind,
                  verbs: ["get", "patch", "update"],
                },
              ]
            : []),
        ]),
    });
    if (path === "/api") return { kind: "APIVersions", versions: ["v1"] };
    if (path === "/api/v1") return resources("", "v1");
    const groups = [...new Set(this.kinds.filter((k) => k.group).map((k) => k.group))];
    if (path === "/apis")
      return {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: groups.map((g) => {
          const versions = [...new Set(this.kinds.filter((k) => k.group === g).map((k) => k.version))];
          return {
            name: g,
            versions: versions.map((v) => ({ groupVersion: `${g}/${v}`, version: v })),
            preferredVersion: { groupVersion: `${g}/${versions[0]}`, version: versions[0] },
          };
        }),
      };
    const m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (m && this.kinds.some((k) => k.group === m[1] && k.version === m[2])) return resources(m[1], m[2]);
    return undefined;
  }

  private route(path: string): { kind: KubeKind; namespace?: string; name?: string; subresource?: string } {
    const m =
      /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(
        path,
      );
    if (!m)
      throw new HttpError(404, "NotFound", `the server could not find the requested resource (${path})`);
    const [, core, group = "", gv, namespace, plural, name, subresource] = m;
    const version = core ?? gv;
    const kind = this.kinds.find((k) => k.group === group && k.version === version && k.plural === plural);
    if (!kind)
      throw new HttpError(404, "NotFound", `the server could not find the requested resource (${path})`);
    const eviction = subresource === "eviction" && kind.kind === "Pod";
    if (subresource && !eviction && (subresource !== "status" || !kind.statusSubresource))
      throw new HttpError(404, "NotFound", `${plural} has no subresource ${subresource}`);
    return { kind, namespace, name, subresource };
  }

  private execute(
    verb: string,
    route: { kind: KubeKind; namespace?: string; name?: string; subresource?: string },
    query: Record<string, string>,
    contentType: string | undefined,
    raw: string,
  ): { code: number; body: unknown } {
    const { kind, namespace } = route;
    const notFound = (name: string) =>
      new HttpError(
        404,
        "NotFound",
        `${kind.plural}${kind.group ? `.${kind.group}` : ""} "${name}" not found`,
      );
    if (route.subresource === "eviction") {
      // The Eviction API as it answers with no PodDisruptionBudget in the way: the pod is deleted.
      if (verb !== "create") throw new HttpError(405, "MethodNotAllowed", "pods/eviction takes POST only");
      const name = route.name as string;
      const key = this.keyOf(kind, namespace, name);
      const old = this.objects.get(key);
      if (!old) throw notFound(name);
      this.delete(kind, key, old);
      this.evictions.push(`${namespace}/${name}`);
      return {
        code: 201,
        body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 },
      };
    }
    if (verb === "list") {
      const items = [...this.objects.values()]
        .filter((o) => o.apiVersion === apiVersionOf(kind) && o.kind === kind.kind)
        .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
        .filter((o) => matchesLabels(o, query.labelSelector))
        .sort((a, b) =>
          this.keyOf(kind, a.metadata.namespace, a.metadata.name).localeCompare(
            this.keyOf(kind, b.metadata.namespace, b.metadata.name),
          ),
        );
      return {
        code: 200,
        body: {
          apiVersion: apiVersionOf(kind),
          kind: `${kind.kind}List`,
          metadata: { resourceVersion: String(this.rv) },
          items,
        },
      };
    }
    if (verb === "create") {
      const body = parseJson(raw) as Obj;
      const name = body.metadata?.name;
      if (!name) throw new HttpError(400, "BadRequest", "metadata.name is required");
      const key = this.keyOf(kind, namespace, name);
      if (this.objects.has(key))
        throw new HttpError(409, "AlreadyExists", `${kind.plural} "${name}" already exists`);
      const o = {
        ...body,
        apiVersion: apiVersionOf(kind),
        kind: kind.kind,
        metadata: { ...body.metadata, namespace },
      };
      return {
        code: 201,
        body: this.store(kind, key, o, undefined, query.fieldManager ?? "unknown", "Update"),
      };
    }
    const name = route.name as string;
    const key = this.keyOf(kind, namespace, name);
    const old = this.objects.get(key);
    if (verb === "get") {
      if (!old) throw notFound(name);
      return { code: 200, body: old };
    }
    if (verb === "delete") {
      if (!old) throw notFound(name);
      const kept = this.delete(kind, key, old);
      if (kept) return { code: 200, body: kept };
      return {
        code: 200,
        body: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: { name, kind: kind.plural },
        },
      };
    }
    const onStatus = route.subresource === "status";
    if (verb === "update") {
      const body = parseJson(raw) as Obj;
      if (!old) throw notFound(name);
      checkVersion(body, old, kind, name);
      const next = onStatus
        ? { ...old, status: body.status }
        : keepStatus(kind, { ...body, metadata: { ...body.metadata, namespace } }, old);
      return { code: 200, body: this.store(kind, key, next, old, query.fieldManager ?? "unknown", "Update") };
    }
    // patch
    const type = (contentType ?? "").split(";")[0].trim();
    const manager = query.fieldManager;
    if (type === "application/apply-patch+yaml") {
      if (!manager) throw new HttpError(400, "BadRequest", "fieldManager is required for apply requests");
      const body = parseYaml(raw) as Obj;
      if (body?.kind !== kind.kind || body.apiVersion !== apiVersionOf(kind))
        throw new HttpError(400, "BadRequest", `apply body must be ${apiVersionOf(kind)} ${kind.kind}`);
      if (old) checkVersion(body, old, kind, name);
      const base: Obj = old ?? {
        apiVersion: body.apiVersion,
        kind: body.kind,
        metadata: { name, namespace },
      };
      delete body.metadata.resourceVersion;
      const merged = onStatus
        ? { ...base, status: mergePatch(base.status, body.status) }
        : keepStatus(kind, this.applyOwnership(key, manager, base, body), old);
      return {
        code: old ? 200 : 201,
        body: this.store(kind, key, merged as Obj, old, manager, "Apply", onStatus),
      };
    }
    if (!old) throw notFound(name);
    const patch = parseJson(raw);
    let next: Obj;
    if (type === "application/merge-patch+json" || type === "application/strategic-merge-patch+json") {
      if ((patch as Obj).metadata?.resourceVersion) checkVersion(patch as Obj, old, kind, name);
      next = mergePatch(old, patch) as Obj;
    } else if (type === "application/json-patch+json") {
      next = jsonPatch(old, patch);
    } else {
      throw new HttpError(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format: ${type}`,
      );
    }
    next = onStatus ? { ...old, status: next.status } : keepStatus(kind, next, old);
    return { code: 200, body: this.store(kind, key, next, old, manager ?? "unknown", "Update", onStatus) };
  }

  /** Merges an apply body, removing what the manager applied last time and no longer does. */
  private applyOwnership(key: string, manager: string, base: Obj, body: Obj): Obj {
    const managers = this.owned.get(key) ?? new Map<string, Set<string>>();
    this.owned.set(key, managers);
    const applied = {
      ...body,
      metadata: { labels: body.metadata.labels, annotations: body.metadata.annotations },
    };
    delete (applied as Record<string, unknown>).status;
    const paths = new Set(leafPaths(applied).filter((p) => p !== "apiVersion" && p !== "kind"));
    const merged = mergePatch(base, { ...body, status: undefined }) as Obj;
    for (const p of managers.get(manager) ?? []) {
      const others = [...managers].some(([m, owned]) => m !== manager && owned.has(p));
      if (!paths.has(p) && !others) deletePath(merged, p);
    }
    managers.set(manager, paths);
    return merged;
  }

  private store(
    _kind: KubeKind,
    key: string,
    o: Obj,
    old: Obj | undefined,
    manager: string,
    operation: string,
    status = false,
    /** Only for an object a test seeds as existing since then; the API server ignores a client's. */
    createdAt?: string,
  ): Obj {
    const finalizers = (x: Obj | undefined) => (x?.metadata.finalizers as string[] | undefined) ?? [];
    if (old?.metadata.deletionTimestamp) {
      if (finalizers(o).some((f) => !finalizers(old).includes(f)))
        throw new HttpError(
          422,
          "Invalid",
          "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted",
        );
      if (finalizers(o).length === 0) {
        this.drop(key, old);
        return structuredClone({ ...o, metadata: { ...o.metadata, finalizers: undefined } });
      }
      o = { ...o, metadata: { ...o.metadata, deletionTimestamp: old.metadata.deletionTimestamp } };
    }
    const rv = ++this.rv;
    const specOf = (x: Obj | undefined) => JSON.stringify({ ...x, metadata: undefined, status: undefined });
    const generation = (old?.metadata.generation as number | undefined) ?? 0;
    const managed = (
      (old?.metadata.managedFields as { manager: string; subresource?: string }[] | undefined) ?? []
    ).filter((f) => f.manager !== manager || (f.subresource === "status") !== status);
    managed.push({
      manager,
      operation,
      apiVersion: o.apiVersion,
      time: new Date().toISOString(),
      ...(status ? { subresource: "status" } : {}),
    } as never);
    if (operation === "Update" && old) {
      const before = new Map(leafPaths(old).map((p) => [p, JSON.stringify(valueAt(old, p))]));
      for (const p of leafPaths(o)) {
        if (before.get(p) === JSON.stringify(valueAt(o, p))) continue;
        for (const owned of this.owned.get(key)?.values() ?? []) owned.delete(p);
      }
    }
    const stored: Obj = {
      ...o,
      metadata: {
        ...o.metadata,
        namespace: o.metadata.namespace,
        uid: (old?.metadata.uid as string | undefined) ?? `uid-${rv}`,
        creationTimestamp:
          (old?.metadata.creationTimestamp as string | undefined) ?? createdAt ?? new Date().toISOString(),
        resourceVersion: String(rv),
        generation: !old || specOf(old) !== specOf(o) ? generation + 1 : generation,
        managedFields: managed,
      },
    };
    if (stored.status === undefined) delete stored.status;
    this.objects.set(key, stored);
    this.emit({ rv, type: old ? "MODIFIED" : "ADDED", object: stored, key });
    return structuredClone(stored);
  }

  private drop(key: string, old: Obj): void {
    this.objects.delete(key);
    this.owned.delete(key);
    const rv = ++this.rv;
    this.emit({
      rv,
      type: "DELETED",
      object: { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } },
      key,
    });
  }

  private emit(event: WatchEvent): void {
    this.history.push(event);
    if (this.history.length > 10_000) this.history.splice(0, 5_000);
    for (const w of this.watchers) {
      if (matches(w, event.object))
        w.res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    }
    for (const l of this.listeners) l(event.type, structuredClone(event.object));
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    route: { kind: KubeKind; namespace?: string },
    query: Record<string, string>,
  ): void {
    const from = Number(query.resourceVersion || 0);
    if (from > 0 && this.history.length > 0 && from < this.history[0].rv - 1) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        `${JSON.stringify({ type: "ERROR", object: status(410, "Expired", `too old resource version: ${from}`) })}\n`,
      );
      this.requests.push({ method: "GET", path: req.url ?? "", query, status: 410 });
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    // The client's watch waits for the response headers; send them before the first event.
    res.flushHeaders();
    this.requests.push({ method: "GET", path: req.url ?? "", query, status: 200 });
    const watcher = { kind: route.kind, namespace: route.namespace, res };
    for (const e of this.history)
      if (e.rv > from && matches(watcher, e.object))
        res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    this.watchers.add(watcher);
    req.on("close", () => this.watchers.delete(watcher));
  }

  private send(req: IncomingMessage, res: ServerResponse, code: number, body: unknown): void {
    const url = new URL(req.url ?? "/", "http://double");
    this.requests.push({
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers["content-type"],
      status: code,
      body: req.method === "GET" ? undefined : body,
    });
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }
}

export function apiVersionOf(k: KubeKind): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

function matches(w: { kind: KubeKind; namespace?: string }, o: Obj): boolean {
  return (
    o.apiVersion === apiVersionOf(w.kind) &&
    o.kind === w.kind.kind &&
    (w.namespace === undefined || o.metadata.namespace === w.namespace)
  );
}

function status(code: number, reason: string, message: string) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

function reasonOf(code: number): string {
  return (
    (
      {
        400: "BadRequest",
        403: "Forbidden",
        404: "NotFound",
        409: "Conflict",
        410: "Expired",
        429: "TooManyRequests",
      } as Record<number, string>
    )[code] ?? "InternalError"
  );
}

function checkVersion(body: Obj, old: Obj, kind: KubeKind, name: string): void {
  const want = body.metadata?.resourceVersion;
  if (want !== undefined && want !== old.metadata.resourceVersion)
    throw new HttpError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${kind.plural}${kind.group ? `.${kind.group}` : ""} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    );
}

/** The main resource of a kind with a status subresource ignores status changes. */
function keepStatus(kind: KubeKind, next: Obj, old: Obj | undefined): Obj {
  if (!kind.statusSubresource) return next;
  return { ...next, status: old?.status };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, "BadRequest", "the request body is not valid JSON");
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** RFC 7386: objects merge, null deletes, anything else (lists included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    target && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 add, replace, remove and test; any failure rejects the whole patch. */
function jsonPatch(target: Obj, ops: unknown): Obj {
  if (!Array.isArray(ops))
    throw new HttpError(400, "BadRequest", "a JSON patch must be a list of operations");
  const doc = structuredClone(target) as unknown as Record<string, unknown>;
  for (const op of ops as { op: string; path: string; value?: unknown }[]) {
    const parts = op.path
      .split("/")
      .slice(1)
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = parts.pop() as string;
    let parent: Record<string, unknown> | unknown[] = doc;
    for (const p of parts) {
      const next = (parent as Record<string, unknown>)[p];
      if (next === undefined || next === null || typeof next !== "object")
        throw new HttpError(422, "Invalid", `path ${op.path} does not exist`);
      parent = next as Record<string, unknown>;
    }
    const container = parent as Record<string, unknown>;
    if (op.op === "test") {
      if (JSON.stringify(container[last]) !== JSON.stringify(op.value))
        throw new HttpError(422, "Invalid", `test failed at ${op.path}`);
    } else if (op.op === "remove") {
      if (!(last in container)) throw new HttpError(422, "Invalid", `path ${op.path} does not exist`);
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete container[last];
    } else if (op.op === "add" && Array.isArray(parent)) {
      parent.splice(last === "-" ? parent.length : Number(last), 0, op.value);
    } else if (op.op === "add" || op.op === "replace") {
      if (op.op === "replace" && !(last in container))
        throw new HttpError(422, "Invalid", `path ${op.path} does not exist`);
      container[last] = op.value;
    } else {
      throw new HttpError(400, "BadRequest", `unsupported JSON patch operation ${op.op}`);
    }
  }
  return doc as unknown as Obj;
}

/**
 * Paths of an object's leaves, `/`-separated with keys escaped as in a JSON pointer (an annotation's
 * key has a `/`); lists are leaves (atomic). Metadata bookkeeping is skipped.
 */
function leafPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return prefix ? [prefix] : [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    if (v === undefined) return [];
    const key = k.replace(/~/g, "~0").replace(/\//g, "~1");
    const path = prefix ? `${prefix}/${key}` : key;
    if (
      path === "metadata/managedFields" ||
      path === "metadata/resourceVersion" ||
      path === "metadata/generation"
    )
      return [];
    return leafPaths(v, path);
  });
}

function valueAt(o: unknown, path: string): unknown {
  return path
    .split("/")
    .map(unescapeKey)
    .reduce<unknown>(
      (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
      o,
    );
}

/** Deletes a leaf and any parent objects it leaves empty. */
function unescapeKey(key: string): string {
  return key.replace(/~1/g, "/").replace(/~0/g, "~");
}

function deletePath(o: Record<string, unknown>, path: string): void {
  const parts = path.split("/").map(unescapeKey);
  const chain: Record<string, unknown>[] = [o];
  for (const p of parts.slice(0, -1)) {
    const next = chain[chain.length - 1][p];
    if (!next || typeof next !== "object") return;
    chain.push(next as Record<string, unknown>);
  }
  delete chain[chain.length - 1][parts[parts.length - 1]];
  for (let i = chain.length - 1; i > 0; i--) {
    if (Object.keys(chain[i]).length > 0) break;
    delete chain[i - 1][parts[i - 1]];
  }
}

/** Equality-based label selectors (`a=b,c=d`), the kind the optimizer uses. */
function matchesLabels(o: Obj, selector: string | undefined): boolean {
  if (!selector) return true;
  const labels = (o.metadata as { labels?: Record<string, string> }).labels ?? {};
  return selector.split(",").every((term) => {
    const [key, value] = term.split("=");
    if (value === undefined) throw new HttpError(400, "BadRequest", `unsupported label selector '${term}'`);
    return labels[key.trim()] === value.trim();
  });
}
