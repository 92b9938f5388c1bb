/**
 * The remediation actuator by name: the Kubernetes API in the cluster, in memory for tests and
 * the simulator. An unknown name throws.
 */
import { InMemoryRemediation } from "../aiops/in-memory-remediation.js";
import type { RemediationActuator } from "../aiops/remediation-actuator.js";
import type { KubeClients } from "../kube/clients.js";
import { UnknownNameError } from "../unknown-name-error.js";
import { HpaFloorWriter } from "./hpa-floor.js";
import { KubeRemediation } from "./remediation-kube.js";
import { TrafficOverrides } from "./traffic-overrides.js";

export const REMEDIATION_ACTUATORS = ["kubernetes", "in-memory"] as const;

export function createRemediationActuator(
  name: string,
  deps: {
    readonly clients?: KubeClients;
    readonly fieldManager?: string;
    readonly isLeader?: () => boolean;
    readonly timeoutMs?: number;
  },
  setting = "AIOPS_ACTUATOR",
): RemediationActuator {
  switch (name as (typeof REMEDIATION_ACTUATORS)[number]) {
    case "kubernetes": {
      const { clients, fieldManager, isLeader, timeoutMs = 5000 } = deps;
      if (clients === undefined || fieldManager === undefined || isLeader === undefined)
        throw new Error(
          `${setting}: 'kubernetes' needs the API clients, a field manager and the leader check`,
        );
      const floors = new HpaFloorWriter(clients.objects, { fieldManager, isLeader, timeoutMs });
      const traffic = new TrafficOverrides(clients.objects, timeoutMs);
      return new KubeRemediation({ clients, floors, traffic, isLeader, timeoutMs });
    }
    case "in-memory":
      return new InMemoryRemediation();
    default:
      throw new UnknownNameError(setting, name, REMEDIATION_ACTUATORS);
  }
}
