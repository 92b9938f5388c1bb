/**
 * The AIOps layer's traffic actions, carried out through the traffic optimizer: it adds and
 * removes its own entries in the routing-overrides annotation of the TrafficIntent that routes a
 * service (api/intent/overrides.ts), and the optimizer enforces them at its next interval. The
 * VirtualService keeps one writer. Each edit is a merge patch carrying the resourceVersion it read,
 * so an edit made in between (a person's, Git's) is never overwritten: a 409 reads again.
 *
 * The intent that routes a service is the one whose host's first label is the service's name
 * (catalog.shop.svc.cluster.local routes catalog), as in the change log.
 */
import { type KubernetesObject, type KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import {
  OVERRIDES_ANNOTATION,
  type RoutingOverride,
  readOverrides,
  withOverride,
  withoutOverrides,
} from "../../api/intent/overrides.js";
import { INTENT_API_VERSION, INTENT_KIND } from "../../api/intent/schema.js";
import { statusOf } from "../kube/clients.js";
import { deadline } from "../kube/deadline.js";

interface IntentObject extends KubernetesObject {
  spec?: { target?: { host?: string }; mode?: string; paused?: boolean };
  status?: { weights?: Record<string, number> };
}

/** What the remediation view needs of the intent that routes a service. */
export interface RoutingIntent {
  readonly name: string;
  readonly acting: boolean;
  readonly mode: string;
  readonly paused: boolean;
  /** The weights the optimizer last reported. */
  readonly weights?: Readonly<Record<string, number>>;
}

const ATTEMPTS = 3;

export class TrafficOverrides {
  constructor(
    private readonly api: KubernetesObjectApi,
    private readonly timeoutMs: number,
  ) {}

  /** The intent routing `service`, or undefined when none does. */
  async find(namespace: string, service: string): Promise<RoutingIntent | undefined> {
    const intent = await this.routing(namespace, service);
    if (intent === undefined) return undefined;
    const mode = intent.spec?.mode ?? "observe";
    const paused = intent.spec?.paused === true;
    return {
      name: intent.metadata?.name as string,
      acting: mode === "act" && !paused,
      mode,
      paused,
      ...(intent.status?.weights !== undefined ? { weights: intent.status.weights } : {}),
    };
  }

  /** Puts `entry` on the intent routing `service`, replacing the owner's entry for the same target. */
  async add(namespace: string, service: string, entry: RoutingOverride): Promise<void> {
    const intent = await this.routing(namespace, service);
    if (intent === undefined) throw new Error(`no TrafficIntent in ${namespace} routes ${service}`);
    await this.edit(namespace, intent, (list) => withOverride(list, entry));
  }

  /** Removes the entries `drop` selects from the intents routing `service` (every intent without one); returns the intents edited. */
  async remove(
    namespace: string,
    service: string | undefined,
    drop: (o: RoutingOverride) => boolean,
    /** Called before each edit: it throws to stop one (a follower's). */
    beforeEdit: () => void = () => undefined,
  ): Promise<string[]> {
    const edited: string[] = [];
    for (const intent of await this.intents(namespace)) {
      if (service !== undefined && serviceOf(intent) !== service) continue;
      const reading = readOverrides(intent.metadata?.annotations);
      if (!reading.valid || !reading.overrides.some(drop)) continue;
      beforeEdit();
      await this.edit(namespace, intent, (list) => withoutOverrides(list, drop));
      edited.push(intent.metadata?.name as string);
    }
    return edited;
  }

  private async edit(
    namespace: string,
    first: IntentObject,
    change: (list: readonly RoutingOverride[]) => string,
  ): Promise<void> {
    let intent = first;
    for (let attempt = 1; ; attempt++) {
      const name = intent.metadata?.name as string;
      const reading = readOverrides(intent.metadata?.annotations);
      // A person's malformed annotation is theirs to fix; writing over it would lose their entries.
      if (!reading.valid) throw new Error(`TrafficIntent ${name}: ${reading.problem}`);
      const body = {
        apiVersion: INTENT_API_VERSION,
        kind: INTENT_KIND,
        metadata: {
          name,
          namespace,
          resourceVersion: intent.metadata?.resourceVersion,
          annotations: { [OVERRIDES_ANNOTATION]: change(reading.overrides) },
        },
      };
      try {
        await deadline(
          this.api.patch(body, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch),
          this.timeoutMs,
          `editing TrafficIntent ${name}'s overrides`,
        );
        return;
      } catch (e) {
        if (statusOf(e) !== 409 || attempt >= ATTEMPTS) throw e;
        intent = (await deadline(
          this.api.read({ apiVersion: INTENT_API_VERSION, kind: INTENT_KIND, metadata: { name, namespace } }),
          this.timeoutMs,
          `reading TrafficIntent ${name}`,
        )) as IntentObject;
      }
    }
  }

  private async routing(namespace: string, service: string): Promise<IntentObject | undefined> {
    return (await this.intents(namespace)).find((i) => serviceOf(i) === service);
  }

  private async intents(namespace: string): Promise<IntentObject[]> {
    const list = await deadline(
      this.api.list(INTENT_API_VERSION, INTENT_KIND, namespace),
      this.timeoutMs,
      `listing TrafficIntents in ${namespace}`,
    );
    return [...(list.items as IntentObject[])].sort((a, b) =>
      (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1,
    );
  }
}

const serviceOf = (intent: IntentObject) => intent.spec?.target?.host?.split(".")[0];
