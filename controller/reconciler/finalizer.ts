/**
 * The optimizer's finalizer on TrafficIntents. Before Meshpilot first writes a destination's
 * routing, its intent carries this finalizer, so deleting the intent waits until the optimizer has
 * put back the routing Git declared and taken the finalizer off. A JSON patch with a `test`
 * guards each edit against a list someone else changed in between.
 */
import { INTENT_GROUP, INTENT_PLURAL, INTENT_VERSION } from "../../api/intent/schema.js";
import type { KubeClients } from "../kube/clients.js";
import { deadline } from "../kube/deadline.js";

export const RESTORE_FINALIZER = "optimizer.meshpilot.io/restore-routing";

export interface IntentMeta {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly finalizers?: readonly string[];
    readonly deletionTimestamp?: unknown;
  };
}

export function hasFinalizer(intent: IntentMeta): boolean {
  return (intent.metadata.finalizers ?? []).includes(RESTORE_FINALIZER);
}

export function isDeleting(intent: IntentMeta): boolean {
  return intent.metadata.deletionTimestamp !== undefined && intent.metadata.deletionTimestamp !== null;
}

async function patch(clients: KubeClients, intent: IntentMeta, body: object[], timeoutMs: number) {
  await deadline(
    clients.custom.patchNamespacedCustomObject({
      group: INTENT_GROUP,
      version: INTENT_VERSION,
      plural: INTENT_PLURAL,
      namespace: intent.metadata.namespace as string,
      name: intent.metadata.name,
      body,
    }),
    timeoutMs,
    "editing the intent's finalizers",
  );
}

export async function addFinalizer(
  clients: KubeClients,
  intent: IntentMeta,
  timeoutMs: number,
): Promise<void> {
  const current = intent.metadata.finalizers;
  await patch(
    clients,
    intent,
    current === undefined
      ? [{ op: "add", path: "/metadata/finalizers", value: [RESTORE_FINALIZER] }]
      : [
          { op: "test", path: "/metadata/finalizers", value: current },
          { op: "add", path: "/metadata/finalizers/-", value: RESTORE_FINALIZER },
        ],
    timeoutMs,
  );
}

export async function removeFinalizer(
  clients: KubeClients,
  intent: IntentMeta,
  timeoutMs: number,
): Promise<void> {
  const current = intent.metadata.finalizers ?? [];
  const at = current.indexOf(RESTORE_FINALIZER);
  if (at < 0) return;
  await patch(
    clients,
    intent,
    [
      { op: "test", path: `/metadata/finalizers/${at}`, value: RESTORE_FINALIZER },
      { op: "remove", path: `/metadata/finalizers/${at}` },
    ],
    timeoutMs,
  );
}
