import { Gateway } from "@kubernetes-models/istio/networking.istio.io/v1/Gateway";
import { Sidecar } from "@kubernetes-models/istio/networking.istio.io/v1/Sidecar";
import { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1/VirtualService";
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { type EnvironmentConfig, imageRepository } from "../config/environments.js";
import {
  callersOf,
  type DataStore,
  SERVICE_METRICS_PORT,
  type ShopService,
  STORE_IMAGES,
  type StoreEndpoint,
  serviceEnvironment,
  validateShopModel,
} from "../config/shop.js";
import { ExternalStore, InClusterStore } from "../constructs/k8s/data-store.js";
import { MeshService, type SecretEnv } from "../constructs/k8s/mesh-service.js";
import { namespaceDefaults } from "../constructs/k8s/namespace-defaults.js";
import { INGRESS_GATEWAY_LABELS, NAMESPACES } from "../constructs/k8s/namespaces.js";
import { addTyped } from "../constructs/k8s/typed.js";

export interface ShopChartProps {
  readonly env: EnvironmentConfig;
  readonly services: readonly ShopService[];
}

/** Secrets each store's clients read; created outside Git (External Secrets, or by hand in dev). */
const STORE_SECRETS: Record<string, SecretEnv[]> = {
  redis: [{ variable: "REDIS_PASSWORD", secretName: "cart-redis", key: "password" }],
  postgresql: [{ variable: "DATABASE_PASSWORD", secretName: "orders-postgresql", key: "password" }],
};
const SERVICE_SECRETS: Record<string, SecretEnv[]> = {
  payments: [{ variable: "PAYMENTS_PROCESSOR_KEY", secretName: "payments-processor", key: "api-key" }],
  frontend: [{ variable: "SESSION_SECRET", secretName: "frontend-session", key: "secret" }],
};

/** The seven shop services, their data stores and the ingress route, all read from the shop model. */
export class ShopChart extends Chart {
  constructor(scope: Construct, id: string, props: ShopChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { env } = props;
    const services = validateShopModel(props.services);
    const namespace = NAMESPACES.shop;

    // Everything in the namespace is closed unless a service's own policy opens it.
    namespaceDefaults(this, { namespace });
    // Shop sidecars learn only their own namespace and istio-system: less configuration, less reach.
    addTyped(
      this,
      "Sidecar-shop",
      new Sidecar({
        metadata: { name: "default", namespace },
        spec: { egress: [{ hosts: ["./*", `${NAMESPACES.istioSystem}/*`] }] },
      }),
    );

    const stores = this.stores(env, services, namespace);
    for (const service of services) {
      const settings = serviceEnvironment(service, {
        services,
        stores,
        urlOf: (callee) => `http://${callee.name}.${namespace}.svc.cluster.local:${callee.port}`,
      });
      new MeshService(this, service.name, {
        name: service.name,
        namespace,
        port: service.port,
        image: imageRepository(env, service.name),
        imageTag: env.shop.imageTag,
        imageDigest: env.shop.imageDigests?.[service.name],
        versions: service.versions,
        versionImages: env.shop.versionImages?.[service.name],
        resources: service.resources,
        replicas: service.replicas,
        slo: service.slo,
        callers: callersOf(service.name, services),
        public: service.public,
        settings,
        metricsPort: SERVICE_METRICS_PORT,
        secrets: [
          ...(service.store ? STORE_SECRETS[service.store] : []),
          ...(SERVICE_SECRETS[service.name] ?? []),
        ],
      });
    }
    this.ingress(env, services, namespace);
  }

  /** Connection settings per store kind, creating the in-cluster stores or registering external ones. */
  private stores(
    env: EnvironmentConfig,
    services: readonly ShopService[],
    namespace: string,
  ): Record<DataStore, StoreEndpoint> {
    const clients = (store: string) => services.filter((s) => s.store === store).map((s) => s.name);
    const stores = env.shop.dataStores;
    if (stores.mode === "external") {
      new ExternalStore(this, "Redis", {
        name: "redis",
        namespace,
        host: stores.redis.host,
        port: stores.redis.port,
        portName: "tcp-redis",
      });
      new ExternalStore(this, "Postgresql", {
        name: "postgresql",
        namespace,
        host: stores.postgresql.host,
        port: stores.postgresql.port,
        portName: "tcp-postgres",
      });
      return {
        redis: { host: stores.redis.host, port: stores.redis.port },
        postgresql: { ...stores.postgresql },
      };
    }
    const redis = new InClusterStore(this, "Redis", {
      name: "cart-redis",
      namespace,
      image: STORE_IMAGES.redis,
      port: 6379,
      portName: "tcp-redis",
      uid: 999,
      dataPath: "/data",
      storageGiB: 5,
      scratchPaths: ["/tmp"],
      // Kubernetes expands $(REDIS_PASSWORD) from the container's environment.
      args: ["--appendonly", "yes", "--dir", "/data", "--requirepass", "$(REDIS_PASSWORD)"],
      secrets: STORE_SECRETS.redis,
      clients: clients("redis"),
      readinessCommand: ["sh", "-c", 'redis-cli -a "$REDIS_PASSWORD" --no-auth-warning ping | grep -q PONG'],
    });
    const postgresql = new InClusterStore(this, "Postgresql", {
      name: "orders-postgresql",
      namespace,
      image: STORE_IMAGES.postgresql,
      port: 5432,
      portName: "tcp-postgres",
      uid: 70,
      dataPath: "/var/lib/postgresql/data",
      storageGiB: 10,
      scratchPaths: ["/var/run/postgresql", "/tmp"],
      env: { PGDATA: "/var/lib/postgresql/data/pgdata", POSTGRES_DB: "orders", POSTGRES_USER: "orders" },
      secrets: [{ variable: "POSTGRES_PASSWORD", secretName: "orders-postgresql", key: "password" }],
      clients: clients("postgresql"),
      readinessCommand: ["pg_isready", "-U", "orders", "-d", "orders"],
    });
    return {
      redis: { host: redis.host, port: 6379 },
      postgresql: { host: postgresql.host, port: 5432, database: "orders" },
    };
  }

  /** HTTPS on the ingress gateway for the public services; plain HTTP only redirects. */
  private ingress(env: EnvironmentConfig, services: readonly ShopService[], namespace: string) {
    const publicServices = services.filter((s) => s.public);
    if (publicServices.length === 0) return;
    addTyped(
      this,
      "Gateway",
      new Gateway({
        metadata: { name: "shop", namespace: NAMESPACES.ingress },
        spec: {
          selector: { ...INGRESS_GATEWAY_LABELS },
          servers: [
            {
              port: { number: 443, name: "https", protocol: "HTTPS" },
              hosts: [`${namespace}/${env.shop.host}`],
              // The certificate Secret lives outside Git (cert-manager or AWS-issued).
              tls: { mode: "SIMPLE", credentialName: "shop-tls", minProtocolVersion: "TLSV1_2" },
            },
            {
              port: { number: 80, name: "http", protocol: "HTTP" },
              hosts: [`${namespace}/${env.shop.host}`],
              tls: { httpsRedirect: true },
            },
          ],
        },
      }),
    );
    for (const service of publicServices) {
      addTyped(
        this,
        `Ingress-${service.name}`,
        new VirtualService({
          metadata: { name: `${service.name}-ingress`, namespace },
          spec: {
            hosts: [env.shop.host],
            gateways: [`${NAMESPACES.ingress}/shop`],
            http: [
              {
                name: "public",
                route: [
                  {
                    destination: {
                      host: `${service.name}.${namespace}.svc.cluster.local`,
                      port: { number: service.port },
                    },
                  },
                ],
              },
            ],
          },
        }),
      );
    }
  }
}
