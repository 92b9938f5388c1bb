import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition";
import { trafficIntentCrd } from "../api/intent/crd.js";
import { defaultIntents } from "../api/intent/defaults.js";
import { TrafficIntentModel } from "../api/intent/model.js";
import { MODES } from "../api/intent/schema.js";
import { type EnvironmentConfig, imageRepository } from "../config/environments.js";
import { OPTIMIZER_IMAGE, type ShopService } from "../config/shop.js";
import { namespaceDefaults } from "../constructs/k8s/namespace-defaults.js";
import { NAMESPACES } from "../constructs/k8s/namespaces.js";
import { OptimizerWorkload } from "../constructs/k8s/optimizer-workload.js";
import { addTyped } from "../constructs/k8s/typed.js";

export interface OptimizerChartProps {
  readonly env: EnvironmentConfig;
  readonly services: readonly ShopService[];
}

/**
 * The optimizer in the tree: its workload (two leader-elected replicas, RBAC, PDB, monitoring and
 * network policy), the TrafficIntent CRD and a default intent per shop service, all in `observe`.
 */
export class OptimizerChart extends Chart {
  constructor(scope: Construct, id: string, props: OptimizerChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    // Like the shop's: nothing in the namespace talks or is reached unless its own policy says so.
    namespaceDefaults(this, { namespace: NAMESPACES.optimizer, denyEgress: true });
    new OptimizerWorkload(this, "Workload", {
      namespace: NAMESPACES.optimizer,
      managedNamespaces: [NAMESPACES.shop],
      image: imageRepository(props.env, OPTIMIZER_IMAGE),
      imageTag: props.env.shop.imageTag,
      imageDigest: props.env.shop.imageDigests?.[OPTIMIZER_IMAGE],
      prometheusNamespace: NAMESPACES.observability,
      apiServerCidr: props.env.vpcCidr,
    });
    const crd = trafficIntentCrd();
    addTyped(
      this,
      "TrafficIntentCrd",
      new CustomResourceDefinition({
        ...crd,
        // The CRD syncs before the intents that need it.
        metadata: { ...crd.metadata, annotations: { "argocd.argoproj.io/sync-wave": "-1" } },
      } as never),
    );
    const modes = intentModes(props.env, props.services);
    for (const base of defaultIntents(props.services, NAMESPACES.shop)) {
      const mode = modes[base.metadata.name];
      const intent = mode ? { ...base, spec: { ...base.spec, mode } } : base;
      addTyped(
        this,
        `Intent-${intent.metadata.name}`,
        new TrafficIntentModel({
          ...intent,
          metadata: {
            ...intent.metadata,
            // On a fresh cluster the CRD is not there at dry-run time; Argo CD applies it first.
            annotations: { "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true" },
          },
        }),
      );
    }
  }
}

/** The environment's promotions, checked against the shop model and the intent schema. */
function intentModes(
  env: EnvironmentConfig,
  services: readonly ShopService[],
): Readonly<Record<string, Mode>> {
  const modes = env.optimizer?.modes ?? {};
  const names = services.map((s) => s.name);
  for (const [name, mode] of Object.entries(modes)) {
    if (!names.includes(name))
      throw new Error(
        `OptimizerChart: env '${env.name}' optimizer.modes names '${name}', which is not a shop service; use one of ${names.join(", ")}`,
      );
    if (!(MODES as readonly string[]).includes(mode))
      throw new Error(
        `OptimizerChart: env '${env.name}' optimizer.modes.${name} is '${mode}'; use one of ${MODES.join(", ")}`,
      );
  }
  return modes;
}

type Mode = (typeof MODES)[number];
