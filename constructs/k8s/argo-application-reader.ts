/**
 * The right to read one Argo CD Application, for the optimizer's AIOps layer: its sync history
 * ties a changed Deployment to the Git revision that changed it. A Role of its own in the
 * Application's namespace, get on that one Application only, bound to the optimizer's service
 * account. Apart from OptimizerWorkload because Argo CD's namespace belongs to the platform's
 * project in a GitOps tree: the shop's project must never reach it.
 */
import { Construct } from "constructs";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { OPTIMIZER_NAME } from "./optimizer-workload.js";
import { addTyped } from "./typed.js";

export interface ArgoApplicationReaderProps {
  /** The Application, as the optimizer's `aiopsArgoApplication` names it. */
  readonly application: { readonly namespace: string; readonly name: string };
  /** Where the optimizer runs (its service account's namespace). */
  readonly optimizerNamespace: string;
}

export const ARGO_READER_ROLE = `${OPTIMIZER_NAME}-argocd`;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export class ArgoApplicationReader extends Construct {
  constructor(scope: Construct, id: string, props: ArgoApplicationReaderProps) {
    super(scope, id);
    const fields = {
      "application.namespace": props.application.namespace,
      "application.name": props.application.name,
      optimizerNamespace: props.optimizerNamespace,
    };
    for (const [field, value] of Object.entries(fields))
      if (!DNS_LABEL.test(value))
        throw new Error(
          `ArgoApplicationReader: '${field}' is '${value}' but must be a DNS label, e.g. { application: { namespace: "argocd", name: "shop" }, optimizerNamespace: "meshpilot-system" }`,
        );
    const metadata = {
      name: ARGO_READER_ROLE,
      namespace: props.application.namespace,
      labels: { "app.kubernetes.io/name": OPTIMIZER_NAME, "app.kubernetes.io/part-of": "meshpilot" },
    };
    addTyped(
      this,
      "Role",
      new Role({
        metadata,
        rules: [
          {
            apiGroups: ["argoproj.io"],
            resources: ["applications"],
            resourceNames: [props.application.name],
            verbs: ["get"],
          },
        ],
      }),
    );
    addTyped(
      this,
      "RoleBinding",
      new RoleBinding({
        metadata,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: ARGO_READER_ROLE },
        subjects: [{ kind: "ServiceAccount", name: OPTIMIZER_NAME, namespace: props.optimizerNamespace }],
      }),
    );
  }
}
