/**
 * The fault knobs every service carries, off by default: extra latency, a share of requests
 * answered 503, and a share of requests stalled (never answered until the caller hangs up, as a
 * wedged worker looks from outside). They start from the FAULT_* settings; when
 * FAULT_CONTROL_TOKEN is set, `PUT /faults` on the metrics port changes them at run time, so an
 * experiment (npm run bench:aiops) can break a service at a chosen moment without restarting it,
 * which would itself be a signal. Without the token the route does not exist.
 */
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Counter } from "prom-client";
import { Random } from "../../common/random.js";
import { validatorFor } from "./validation.js";

export interface FaultKnobs {
  readonly latencyMs: number;
  readonly latencyJitterMs: number;
  readonly errorRate: number;
  readonly stallRate: number;
}

export interface FaultSettings {
  readonly FAULT_LATENCY_MS: number;
  readonly FAULT_LATENCY_JITTER_MS: number;
  readonly FAULT_ERROR_RATE: number;
  readonly FAULT_STALL_RATE: number;
  readonly FAULT_SEED?: number;
  readonly FAULT_METHODS: string;
  readonly FAULT_PATHS?: string;
  readonly FAULT_CONTROL_TOKEN?: string;
}

/** The JSON body `PUT /faults` takes: any subset of the knobs; the rest keep their values. */
const KNOBS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    latencyMs: { type: "number", minimum: 0, maximum: 60_000 },
    latencyJitterMs: { type: "number", minimum: 0, maximum: 60_000 },
    errorRate: { type: "number", minimum: 0, maximum: 1 },
    stallRate: { type: "number", minimum: 0, maximum: 1 },
  },
} as const;

export class Faults {
  private knobs: FaultKnobs;
  private readonly random: Random;
  private readonly methods: Set<string>;
  private readonly paths: Set<string>;

  constructor(
    private readonly settings: FaultSettings,
    private readonly injected: Counter<"kind">,
  ) {
    this.knobs = {
      latencyMs: settings.FAULT_LATENCY_MS,
      latencyJitterMs: settings.FAULT_LATENCY_JITTER_MS,
      errorRate: settings.FAULT_ERROR_RATE,
      stallRate: settings.FAULT_STALL_RATE,
    };
    this.random = new Random(settings.FAULT_SEED ?? Date.now() & 0x7fffffff);
    this.methods = new Set(
      settings.FAULT_METHODS.toUpperCase()
        .split(",")
        .map((m) => m.trim()),
    );
    this.paths = new Set(
      (settings.FAULT_PATHS ?? "")
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p.length > 0),
    );
  }

  get current(): FaultKnobs {
    return this.knobs;
  }

  /** Whether the knobs apply to this request (never to probes). */
  applies(method: string, path: string): boolean {
    return this.methods.has(method) && (this.paths.size === 0 || this.paths.has(path));
  }

  /**
   * Runs the knobs on one request, in an onRequest hook: waits out the latency, then stalls or
   * fails it if the draw says so. Every wait ends early when the caller hangs up.
   */
  async apply(reply: FastifyReply): Promise<void> {
    const { latencyMs, latencyJitterMs, errorRate, stallRate } = this.knobs;
    const delay = latencyMs + this.random.uniform() * latencyJitterMs;
    if (delay > 0) {
      this.injected.inc({ kind: "latency" });
      await untilClosedOr(reply, delay);
    }
    if (stallRate > 0 && this.random.chance(stallRate)) {
      this.injected.inc({ kind: "stall" });
      await untilClosedOr(reply, Number.POSITIVE_INFINITY);
      // The caller is gone: nothing more to do for this request.
      reply.hijack();
      return;
    }
    if (errorRate > 0 && this.random.chance(errorRate)) {
      this.injected.inc({ kind: "error" });
      reply
        .code(503)
        .send({ error: "injected_fault", message: "fault injection returned an error (FAULT_ERROR_RATE)" });
    }
  }

  /** Adds `PUT /faults` to the metrics listener when a control token is configured. */
  route(metricsApp: FastifyInstance): void {
    const token = this.settings.FAULT_CONTROL_TOKEN;
    if (token === undefined) return;
    const expected = Buffer.from(`Bearer ${token}`);
    metricsApp.put(
      "/faults",
      { schema: { body: KNOBS_SCHEMA }, validatorCompiler: validatorFor },
      async (request: FastifyRequest, reply) => {
        const given = Buffer.from(String(request.headers.authorization ?? ""));
        if (given.length !== expected.length || !timingSafeEqual(given, expected))
          return reply.code(401).send({
            error: "unauthorized",
            message: "PUT /faults needs 'authorization: Bearer <FAULT_CONTROL_TOKEN>'",
          });
        this.knobs = { ...this.knobs, ...(request.body as Partial<FaultKnobs>) };
        return this.knobs;
      },
    );
  }
}

function untilClosedOr(reply: FastifyReply, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(resolve, ms) : undefined;
    reply.raw.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
