/**
 * One Kubernetes Event about an object the optimizer manages (an intent, an AIOps policy): named
 * uniquely, reported by the optimizer's pod, its message cut to what the API server keeps. A
 * failure is logged, never thrown: an Event is commentary, and losing one must not stop a decision.
 */
import { describeError, type KubeClients } from "./clients.js";
import { deadline } from "./deadline.js";

export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
}

export interface EventOptions {
  readonly clients: KubeClients;
  readonly fieldManager: string;
  readonly instance?: string;
  readonly timeoutMs: number;
  readonly log: { warn(fields: object, message: string): void };
}

export async function emitEvent(
  o: EventOptions,
  involved: InvolvedObject,
  reason: string,
  type: "Normal" | "Warning",
  message: string,
  nowMs: number,
): Promise<void> {
  const time = new Date(nowMs);
  try {
    await deadline(
      o.clients.core.createNamespacedEvent({
        namespace: involved.namespace,
        body: {
          metadata: {
            name: `${involved.name}.${nowMs.toString(16)}${Math.floor(Math.random() * 0x10000).toString(16)}`,
            namespace: involved.namespace,
          },
          involvedObject: { ...involved },
          reason,
          message: message.slice(0, 1024),
          type,
          count: 1,
          firstTimestamp: time,
          lastTimestamp: time,
          source: { component: o.fieldManager },
          reportingComponent: `optimizer.meshpilot.io/${o.fieldManager}`,
          reportingInstance: o.instance ?? o.fieldManager,
        },
      }),
      o.timeoutMs,
      "writing an event",
    );
  } catch (e) {
    o.log.warn(
      { object: `${involved.kind} ${involved.namespace}/${involved.name}`, error: describeError(e) },
      "could not write an event",
    );
  }
}
