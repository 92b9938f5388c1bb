import { ServiceEntry } from "@kubernetes-models/istio/networking.istio.io/v1/ServiceEntry";
import { AuthorizationPolicy } from "@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy";
import { Construct } from "constructs";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { SecretEnv } from "./mesh-service.js";
import { addTyped } from "./typed.js";

/** An in-cluster store: one StatefulSet with a volume claim, reachable only by its clients. */
export interface InClusterStoreProps {
  readonly name: string;
  readonly namespace: string;
  /** Image with an explicit version tag. */
  readonly image: string;
  readonly port: number;
  /** Istio protocol prefix for the port name: `tcp-redis`, `tcp-postgres`. */
  readonly portName: string;
  /** The non-root user the image can run as. */
  readonly uid: number;
  readonly dataPath: string;
  readonly storageGiB: number;
  /** Writable scratch paths besides the data volume (the root filesystem is read-only). */
  readonly scratchPaths: readonly string[];
  readonly args?: readonly string[];
  readonly secrets?: readonly SecretEnv[];
  readonly env?: Record<string, string>;
  /** Service accounts (same namespace) allowed to connect. */
  readonly clients: readonly string[];
  /** A command that exits 0 when the store accepts connections. */
  readonly readinessCommand: readonly string[];
}

/**
 * Redis or PostgreSQL for development clusters, under the restricted Pod Security profile.
 *
 * A typed StatefulSet rather than cdk8s-plus's: cdk8s-plus-27 has no volume claim templates.
 */
export class InClusterStore extends Construct {
  readonly host: string;

  constructor(scope: Construct, id: string, props: InClusterStoreProps) {
    super(scope, id);
    const { name, namespace } = props;
    const labels = {
      app: name,
      "app.kubernetes.io/name": name,
      "app.kubernetes.io/part-of": "meshpilot-shop",
    };
    const metadata = { name, namespace, labels };
    this.host = `${name}.${namespace}.svc.cluster.local`;

    addTyped(this, "ServiceAccount", new ServiceAccount({ metadata, automountServiceAccountToken: false }));
    addTyped(
      this,
      "Service",
      new Service({
        metadata,
        spec: {
          selector: { app: name },
          ports: [{ name: props.portName, port: props.port, targetPort: props.port }],
        },
      }),
    );
    const scratch = props.scratchPaths.map((path, i) => ({ name: `scratch-${i}`, path }));
    addTyped(
      this,
      "StatefulSet",
      new StatefulSet({
        metadata,
        spec: {
          serviceName: name,
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { ...labels, version: "v1" } },
            spec: {
              serviceAccountName: name,
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: props.uid,
                runAsGroup: props.uid,
                fsGroup: props.uid,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name,
                  image: props.image,
                  args: props.args ? [...props.args] : undefined,
                  ports: [{ name: props.portName, containerPort: props.port }],
                  env: [
                    ...Object.entries(props.env ?? {}).map(([k, value]) => ({ name: k, value })),
                    ...(props.secrets ?? []).map((s) => ({
                      name: s.variable,
                      valueFrom: { secretKeyRef: { name: s.secretName, key: s.key } },
                    })),
                  ],
                  readinessProbe: {
                    exec: { command: [...props.readinessCommand] },
                    periodSeconds: 5,
                    failureThreshold: 3,
                  },
                  livenessProbe: { tcpSocket: { port: props.port }, periodSeconds: 10, failureThreshold: 6 },
                  startupProbe: { tcpSocket: { port: props.port }, periodSeconds: 5, failureThreshold: 24 },
                  resources: {
                    requests: { cpu: "100m", memory: "256Mi" },
                    limits: { cpu: "1", memory: "512Mi" },
                  },
                  securityContext: {
                    runAsNonRoot: true,
                    runAsUser: props.uid,
                    runAsGroup: props.uid,
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  volumeMounts: [
                    { name: "data", mountPath: props.dataPath },
                    ...scratch.map((s) => ({ name: s.name, mountPath: s.path })),
                  ],
                },
              ],
              volumes: scratch.map((s) => ({ name: s.name, emptyDir: { sizeLimit: "64Mi" } })),
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: {
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: `${props.storageGiB}Gi` } },
              },
            },
          ],
        },
      }),
    );
    addTyped(
      this,
      "NetworkPolicy",
      new NetworkPolicy({
        metadata,
        spec: {
          podSelector: { matchLabels: { app: name } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [
                {
                  podSelector: {
                    matchExpressions: [{ key: "app", operator: "In", values: [...props.clients] }],
                  },
                },
              ],
              ports: [{ protocol: "TCP", port: props.port }],
            },
          ],
        },
      }),
    );
    addTyped(
      this,
      "AuthorizationPolicy",
      new AuthorizationPolicy({
        metadata,
        spec: {
          selector: { matchLabels: { app: name } },
          action: "ALLOW",
          rules: [
            {
              from: [
                { source: { principals: props.clients.map((c) => `cluster.local/ns/${namespace}/sa/${c}`) } },
              ],
            },
          ],
        },
      }),
    );
  }
}

/** A managed store outside the cluster, registered with the mesh so REGISTRY_ONLY egress admits it. */
export class ExternalStore extends Construct {
  readonly host: string;

  constructor(
    scope: Construct,
    id: string,
    props: { name: string; namespace: string; host: string; port: number; portName: string },
  ) {
    super(scope, id);
    this.host = props.host;
    addTyped(
      this,
      "ServiceEntry",
      new ServiceEntry({
        metadata: { name: props.name, namespace: props.namespace },
        spec: {
          hosts: [props.host],
          location: "MESH_EXTERNAL",
          resolution: "DNS",
          ports: [{ number: props.port, name: props.portName, protocol: "TCP" }],
          exportTo: ["."],
        },
      }),
    );
  }
}
