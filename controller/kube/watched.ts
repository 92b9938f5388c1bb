/**
 * A cache of one custom resource kind in one namespace, kept by `@kubernetes/client-node`'s
 * informer (list, then watch from its resourceVersion). The library reports a broken watch as an
 * error and stops; this restarts it with backoff, so a blip in the API server costs staleness,
 * never a dead controller.
 */
import { type KubernetesListObject, type KubernetesObject, makeInformer } from "@kubernetes/client-node";
import type { KubeClients } from "./clients.js";

export interface Resource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespace: string;
}

export class Watched<T extends KubernetesObject> {
  private readonly informer;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  private synced = false;

  constructor(
    clients: KubeClients,
    readonly resource: Resource,
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly restartMs = 1000,
  ) {
    const { group, version, plural, namespace } = resource;
    this.informer = makeInformer<T>(
      clients.config,
      `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      () =>
        clients.custom.listNamespacedCustomObject({ group, version, namespace, plural }) as Promise<
          KubernetesListObject<T>
        >,
    );
    this.informer.on("error", (e) => {
      if (this.stopped) return;
      this.onError(e);
      this.retry = setTimeout(() => void this.informer.start().catch(() => undefined), this.restartMs);
      this.retry.unref();
    });
  }

  /** Resolves once the first list is in the cache; rejects if that list fails. */
  async start(): Promise<void> {
    await this.informer.start();
    this.synced = true;
  }

  get ready(): boolean {
    return this.synced;
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  get(name: string): T | undefined {
    return this.informer.get(name, this.resource.namespace);
  }

  on(verb: "add" | "update" | "delete", callback: (object: T) => void): void {
    this.informer.on(verb, callback);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.informer.stop();
  }
}
