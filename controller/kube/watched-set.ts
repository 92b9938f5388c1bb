/**
 * One resource kind watched in several namespaces: a Watched cache per namespace, read as one.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { KubeClients } from "./clients.js";
import { Watched } from "./watched.js";

export class WatchedSet<T extends KubernetesObject> {
  private readonly caches = new Map<string, Watched<T>>();

  constructor(
    clients: KubeClients,
    resource: { readonly group: string; readonly version: string; readonly plural: string },
    namespaces: readonly string[],
    onError: (error: unknown) => void,
  ) {
    for (const namespace of namespaces)
      this.caches.set(namespace, new Watched<T>(clients, { ...resource, namespace }, onError));
  }

  async start(): Promise<void> {
    await Promise.all([...this.caches.values()].map((w) => w.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.caches.values()].map((w) => w.stop()));
  }

  list(): T[] {
    return [...this.caches.values()].flatMap((w) => [...w.list()]);
  }

  get(namespace: string, name: string): T | undefined {
    return this.caches.get(namespace)?.get(name);
  }

  /** Calls back with the namespace and name of every object added, changed or deleted. */
  onChange(callback: (namespace: string, name: string) => void): void {
    for (const w of this.caches.values())
      for (const verb of ["add", "update", "delete"] as const)
        w.on(verb, (o) => callback(o.metadata?.namespace ?? w.resource.namespace, o.metadata?.name ?? ""));
  }
}
