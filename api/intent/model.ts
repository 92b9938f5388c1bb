/**
 * TrafficIntent as a typed model like the upstream ones (kubernetes-models' validate/toJSON), so
 * charts add intents with addTyped and the tree's schema check covers them with our own schema.
 */
import { INTENT_API_VERSION, INTENT_KIND, type TrafficIntent } from "./schema.js";
import { describeProblems, validateIntent } from "./validate.js";

export class TrafficIntentModel {
  constructor(private readonly data: Omit<TrafficIntent, "apiVersion" | "kind"> & Partial<TrafficIntent>) {}

  validate(): void {
    const { apiVersion, kind } = this.data;
    if ((apiVersion ?? INTENT_API_VERSION) !== INTENT_API_VERSION || (kind ?? INTENT_KIND) !== INTENT_KIND)
      throw new Error(`expected ${INTENT_API_VERSION} ${INTENT_KIND}, got ${apiVersion} ${kind}`);
    const result = validateIntent(this.data.spec);
    if (!result.valid) throw new Error(describeProblems(result.problems));
  }

  toJSON(): TrafficIntent {
    return { ...this.data, apiVersion: INTENT_API_VERSION, kind: INTENT_KIND } as TrafficIntent;
  }
}
