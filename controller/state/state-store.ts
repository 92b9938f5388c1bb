/**
 * The optimizer's memory across restarts: each intent's policy state (Q-table or posteriors),
 * its recorded original routing and its last change, saved to one ConfigMap in the optimizer's
 * namespace as gzipped JSON with a SHA-256 checksum. A state whose checksum does not match is
 * refused (and the intents start from the pre-trained table) rather than trusted half-written.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { CoreV1Api, V1ConfigMap } from "@kubernetes/client-node";
import type { Target } from "../actuator/actuator.js";
import type { OriginalRouting } from "../actuator/live-routing.js";
import type { Probation } from "../control/rollback.js";
import { statusOf } from "../kube/clients.js";
import { deadline } from "../kube/deadline.js";
import type { RoutingKnobs } from "../policy/policy.js";

export const STATE_FORMAT = "meshpilot.optimizer-state/v1";
const KEY = "state.json.gz";
const CHECKSUM = "optimizer.meshpilot.io/sha256";

/** What is remembered per intent, keyed `namespace/name`. */
export interface IntentMemory {
  /** Which policy the state belongs to (algorithm and variant). */
  readonly policy: string;
  readonly state: unknown;
  readonly original?: OriginalRouting;
  /** The routing Meshpilot last wrote, so a restart knows what it owns. */
  readonly written?: RoutingKnobs;
  /** Where the routing lives, so a deleted intent's routing can still be restored. */
  readonly target?: Target;
  readonly lastChangeMs?: number;
  /** The change under watch, with the last-known-good routing a rollback returns to. */
  readonly probation?: Probation;
  readonly decisions: number;
}

export interface SavedState {
  readonly format: typeof STATE_FORMAT;
  readonly intents: Readonly<Record<string, IntentMemory>>;
}

export function encodeState(state: SavedState): { data: string; checksum: string } {
  const json = JSON.stringify(state);
  return {
    data: gzipSync(Buffer.from(json)).toString("base64"),
    checksum: createHash("sha256").update(json).digest("hex"),
  };
}

/** Throws with the reason when the stored state is unreadable or its checksum does not match. */
export function decodeState(data: string, checksum: string | undefined): SavedState {
  const json = gunzipSync(Buffer.from(data, "base64")).toString("utf8");
  const actual = createHash("sha256").update(json).digest("hex");
  if (actual !== checksum)
    throw new Error(
      `state checksum ${actual.slice(0, 12)} does not match the recorded ${String(checksum).slice(0, 12)}`,
    );
  const state = JSON.parse(json) as SavedState;
  if (state.format !== STATE_FORMAT)
    throw new Error(`state format ${String(state.format)} is not ${STATE_FORMAT}`);
  return state;
}

export class StateStore {
  constructor(
    private readonly api: CoreV1Api,
    private readonly namespace: string,
    private readonly name: string,
    private readonly timeoutMs = 5000,
  ) {}

  /** The saved state; empty when there is none yet; throws when it exists but cannot be trusted. */
  async load(): Promise<SavedState> {
    let cm: V1ConfigMap;
    try {
      cm = await deadline(
        this.api.readNamespacedConfigMap({ name: this.name, namespace: this.namespace }),
        this.timeoutMs,
        "reading the state",
      );
    } catch (e) {
      if (statusOf(e) === 404) return { format: STATE_FORMAT, intents: {} };
      throw e;
    }
    const data = cm.binaryData?.[KEY];
    if (!data) return { format: STATE_FORMAT, intents: {} };
    return decodeState(data, cm.metadata?.annotations?.[CHECKSUM]);
  }

  async save(state: SavedState): Promise<void> {
    const { data, checksum } = encodeState(state);
    const body: V1ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: {
          "app.kubernetes.io/part-of": "meshpilot",
          "app.kubernetes.io/component": "optimizer-state",
        },
        annotations: { [CHECKSUM]: checksum },
      },
      binaryData: { [KEY]: data },
    };
    try {
      await deadline(
        this.api.replaceNamespacedConfigMap({ name: this.name, namespace: this.namespace, body }),
        this.timeoutMs,
        "saving the state",
      );
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
      await deadline(
        this.api.createNamespacedConfigMap({ namespace: this.namespace, body }),
        this.timeoutMs,
        "saving the state",
      );
    }
  }
}
