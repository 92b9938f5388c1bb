/**
 * The shared server every shop service is built on: Fastify with health and readiness, Prometheus
 * metrics, JSON logs that carry the request id and trace context, JSON errors for bad input,
 * opt-in fault injection, and graceful shutdown.
 */
import { randomUUID } from "node:crypto";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import { type COMMON_SETTINGS, loadSettings, type Setting, SettingsError } from "../../common/settings.js";
import { Faults } from "./faults.js";
import { validatorFor } from "./validation.js";

type Common = {
  [K in keyof typeof COMMON_SETTINGS]: (typeof COMMON_SETTINGS)[K] extends Setting<infer T> ? T : never;
};

export interface ServiceOptions {
  readonly name: string;
  readonly settings: Common;
  /** Checks the service's own dependencies; throws with the reason when not ready. */
  readonly readiness?: () => Promise<void>;
  /** Renders an error as a page for requests that want one (the frontend's HTML); undefined means JSON. */
  readonly errorPage?: (
    request: FastifyRequest,
    status: number,
    body: { readonly error: string; readonly message: string },
  ) => string | undefined;
}

/** Headers passed from an incoming request to every outgoing call it makes. */
export const PROPAGATED_HEADERS = [
  "x-request-id",
  "traceparent",
  "tracestate",
  "x-b3-traceid",
  "x-b3-spanid",
  "x-b3-sampled",
] as const;

/** An answer other than success, with a machine-readable code and a human-readable reason. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** A store failure, kept whole for the log; the caller sees only the HttpError it carries. */
export class StoreError extends HttpError {
  constructor(
    statusCode: number,
    code: string,
    message: string,
    readonly detail: unknown,
  ) {
    super(statusCode, code, message);
    this.name = "StoreError";
  }
}

/**
 * Runs a call to the service's own store. A value the store refuses (PostgreSQL's classes 22,
 * data exception, and 23, integrity violation) was the input's fault and becomes a 400; any other
 * failure becomes a 503 naming the store. Neither carries the store's own text, hosts or ports:
 * those go to the log with the request id.
 */
export async function fromStore<T>(store: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof HttpError) throw e;
    const sqlState = (e as { code?: unknown }).code;
    if (typeof sqlState === "string" && /^2[23][0-9A-Z]{3}$/.test(sqlState))
      throw new StoreError(400, "invalid_value", `${store} refused a value in the request`, e);
    throw new StoreError(503, "store_unavailable", `${store} is unavailable; try again shortly`, e);
  }
}

const PROBES = new Set(["/healthz", "/readyz"]);

/** OpenTelemetry's recommended buckets for http.server.request.duration, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export interface Service {
  readonly app: FastifyInstance;
  /** Serves /metrics on METRICS_PORT, apart from the traffic the ingress and callers send. */
  readonly metricsApp: FastifyInstance;
  readonly registry: Registry;
  /** Every route the service declared, as method and URL pattern (the fuzz test walks them). */
  readonly routes: readonly { readonly method: string; readonly url: string }[];
  /** Stops taking new work, lets in-flight requests finish, then closes. */
  shutdown(): Promise<void>;
}

export function createService(options: ServiceOptions): Service {
  const { settings } = options;
  const app = Fastify({
    logger: { level: settings.LOG_LEVEL, base: { service: options.name } },
    bodyLimit: settings.BODY_LIMIT_BYTES,
    // A client that trickles its request in gets 408 and loses the connection; the check runs
    // often enough that the timeout means what it says.
    requestTimeout: settings.REQUEST_TIMEOUT_MS,
    http: { connectionsCheckingInterval: Math.min(1000, settings.REQUEST_TIMEOUT_MS) },
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
    // Each request's logger carries its trace context, so one trace id finds every line.
    childLoggerFactory: (logger, bindings, opts, raw) => {
      const headers = (raw as { headers?: Record<string, string | undefined> }).headers ?? {};
      return logger.child({ ...bindings, traceparent: headers.traceparent }, opts);
    },
  });

  app.server.maxConnections = settings.MAX_CONNECTIONS;
  app.server.headersTimeout = settings.REQUEST_TIMEOUT_MS;
  // Node's requestTimeout stops counting once the request reaches the handler, so a client that
  // sends its headers and then trickles the body would hold the connection open for as long as it
  // liked. This clock runs until the body has arrived: past it, 408 and the connection is cut.
  app.addHook("onRequest", async (request, reply) => {
    if (request.raw.complete) return;
    const timer = setTimeout(() => {
      if (request.raw.complete || reply.raw.headersSent) return;
      reply.raw.writeHead(408, { "content-type": "application/json; charset=utf-8", connection: "close" });
      reply.raw.end(
        JSON.stringify({
          error: "request_timeout",
          message: `the request did not arrive within ${settings.REQUEST_TIMEOUT_MS} ms`,
        }),
      );
      request.raw.socket?.destroySoon();
    }, settings.REQUEST_TIMEOUT_MS);
    timer.unref();
    const done = () => clearTimeout(timer);
    request.raw.once("end", done);
    request.raw.once("close", done);
    reply.raw.once("finish", done);
  });
  const routes: { method: string; url: string }[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat())
      if (method !== "HEAD") routes.push({ method, url: route.url });
  });
  app.setValidatorCompiler(validatorFor);

  const registry = new Registry();
  registry.setDefaultLabels({ service: options.name });
  collectDefaultMetrics({ register: registry });
  // OpenTelemetry semantic conventions: http.server.request.duration, in Prometheus naming.
  const duration = new Histogram({
    name: "http_server_request_duration_seconds",
    help: "Duration of HTTP server requests.",
    labelNames: ["http_request_method", "http_route", "http_response_status_code"],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });

  // Counts what the fault knobs did, so an experiment can check its faults really happened.
  const injected = new Counter({
    name: "meshpilot_injected_faults_total",
    help: "Requests delayed or failed by the fault-injection settings.",
    labelNames: ["kind"],
    registers: [registry],
  });
  const faults = new Faults(settings, injected);
  let draining = false;

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    const path = request.url.split("?")[0];
    if (PROBES.has(path) || !faults.applies(request.method, path)) return;
    await faults.apply(reply);
  });
  app.addHook("onResponse", async (request, reply) => {
    duration.observe(
      {
        http_request_method: request.method,
        http_route: request.routeOptions.url ?? "unmatched",
        http_response_status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  /** Sends an error as JSON, or as the service's own page when it renders one for this request. */
  const fail = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error: string,
    message: string,
  ) => {
    const page = options.errorPage?.(request, status, { error, message });
    if (page !== undefined) return reply.code(status).type("text/html; charset=utf-8").send(page);
    return reply.code(status).send({ error, message });
  };

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof StoreError) {
      request.log.warn({ err: error.detail }, "store failed");
      return fail(request, reply, error.statusCode, error.code, error.message);
    }
    if (error instanceof HttpError) return fail(request, reply, error.statusCode, error.code, error.message);
    // A callee that failed after every allowed try: say which, so the log and the caller agree.
    if (error.name === "UpstreamUnavailable" || error.name === "UpstreamError") {
      request.log.warn({ err: error }, "upstream failed");
      const status = error.name === "UpstreamUnavailable" ? 503 : 502;
      return fail(request, reply, status, "upstream_unavailable", error.message);
    }
    const fe = error as FastifyError;
    if (fe.validation) return fail(request, reply, 400, "invalid_request", fe.message);
    if (
      fe.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
      fe.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
      fe instanceof SyntaxError
    ) {
      return fail(request, reply, 400, "malformed_json", "the request body is not valid JSON");
    }
    if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return fail(
        request,
        reply,
        413,
        "body_too_large",
        `the request body exceeds ${settings.BODY_LIMIT_BYTES} bytes`,
      );
    }
    if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return fail(request, reply, 415, "unsupported_media_type", "send application/json");
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return fail(request, reply, fe.statusCode, fe.code ?? "bad_request", fe.message);
    }
    request.log.error({ err: error }, "unhandled error");
    return fail(request, reply, 500, "internal", "internal error; see the service log with this request id");
  });
  app.setNotFoundHandler((request, reply) =>
    fail(request, reply, 404, "not_found", `no route for ${request.method} ${request.url.split("?")[0]}`),
  );

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (request, reply) => {
    if (draining) return reply.code(503).send({ status: "draining" });
    try {
      await options.readiness?.();
      return { status: "ready" };
    } catch (e) {
      // The reason helps whoever reads the probe; addresses stay in the log.
      request.log.debug({ err: e }, "not ready");
      return reply
        .code(503)
        .send({ status: "not ready", reason: withoutAddresses(e instanceof Error ? e.message : String(e)) });
    }
  });
  const metricsApp = Fastify({ logger: false });
  metricsApp.get("/metrics", async (_request, reply) => {
    reply.header("content-type", registry.contentType);
    return registry.metrics();
  });
  faults.route(metricsApp);

  return {
    app,
    metricsApp,
    registry,
    routes,
    async shutdown() {
      draining = true;
      await app.close();
      await metricsApp.close();
    },
  };
}

/** A message with hosts, IP addresses and ports replaced, for answers a stranger might read. */
export function withoutAddresses(message: string): string {
  return message
    .replace(/\[?[0-9a-f:]*:[0-9a-f:]+\]?:\d{1,5}/gi, "<address>")
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?\b/g, "<address>")
    .replace(/\b[a-z0-9-]+(\.[a-z0-9-]+)+:\d{1,5}\b/gi, "<address>");
}

/** The headers to pass on from an incoming request. */
export function propagatedHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of PROPAGATED_HEADERS) {
    const v = h === "x-request-id" ? request.id : request.headers[h];
    if (typeof v === "string" && v.length > 0) out[h] = v;
  }
  return out;
}

/** Listens (traffic and metrics), and drains on SIGTERM or SIGINT before exiting. */
export async function run(service: Service, port: number, host: string, metricsPort: number): Promise<void> {
  const stop = async (signal: string) => {
    service.app.log.info({ signal }, "draining in-flight requests");
    await service.shutdown();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  await service.app.listen({ port, host });
  await service.metricsApp.listen({ port: metricsPort, host });
}

/**
 * A service's process entry: load and validate settings (a bad one prints one line and exits 2),
 * build the service, listen, and drain on SIGTERM.
 */
export async function runService<S extends Record<string, Setting<unknown>>>(
  name: string,
  spec: S,
  build: (settings: ReturnType<typeof loadSettings<S>>) => Service,
): Promise<void> {
  let settings: ReturnType<typeof loadSettings<S>>;
  try {
    settings = loadSettings(spec);
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    console.error(`${name}: ${e.message}`);
    process.exit(2);
  }
  const { PORT, HOST, METRICS_PORT } = settings as unknown as {
    PORT: number;
    HOST: string;
    METRICS_PORT: number;
  };
  await run(build(settings), PORT, HOST, METRICS_PORT);
}
