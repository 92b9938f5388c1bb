/**
 * The cart store: one Redis hash per session (product id -> quantity) with a sliding TTL. Every
 * change is one Lua script, so the quantity cap, the line cap and the TTL refresh are atomic even
 * with many replicas writing the same cart.
 */
import { createClient } from "redis";

export interface CartLimits {
  /** Most units of one product in a cart. */
  readonly maxQuantity: number;
  /** Most distinct products in a cart. */
  readonly maxLines: number;
  readonly ttlSeconds: number;
}

export interface CartLine {
  readonly productId: string;
  readonly quantity: number;
}

export interface CartView {
  readonly items: CartLine[];
  /** Seconds until the cart expires; null when the cart is empty. */
  readonly expiresInSeconds: number | null;
}

/** Why a change was refused; nothing was written. */
export type Refusal = "quantity_limit" | "line_limit" | "not_in_cart";

// KEYS[1] cart; ARGV: product, quantity, mode ("add" adds, "set" replaces), maxQuantity, maxLines, ttl.
// Returns the new quantity, or -1 (over the quantity cap), -2 (over the line cap), -3 (set on a missing line).
const CHANGE = `
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local q = tonumber(ARGV[2])
if ARGV[3] == 'add' then q = current + q end
if ARGV[3] == 'set' and current == 0 then return -3 end
if q > tonumber(ARGV[4]) then return -1 end
if current == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then return -2 end
redis.call('HSET', KEYS[1], ARGV[1], q)
redis.call('EXPIRE', KEYS[1], ARGV[6])
return q
`;
const REFUSALS: Record<number, Refusal> = { [-1]: "quantity_limit", [-2]: "line_limit", [-3]: "not_in_cart" };

export interface RedisSettings {
  readonly REDIS_HOST: string;
  readonly REDIS_PORT: number;
  readonly REDIS_PASSWORD?: string;
}

export class CartStore {
  private readonly client;

  constructor(
    settings: RedisSettings,
    private readonly limits: CartLimits,
    onError?: (e: Error) => void,
  ) {
    this.client = createClient({
      socket: { host: settings.REDIS_HOST, port: settings.REDIS_PORT, connectTimeout: 2000 },
      password: settings.REDIS_PASSWORD,
      // Fail fast while Redis is away: a request answers 503 instead of waiting in a queue.
      disableOfflineQueue: true,
    });
    // Reconnection is automatic; the last error explains /readyz until it succeeds.
    this.client.on("error", (e: Error) => {
      if (e.message !== this.lastError) onError?.(e);
      this.lastError = e.message;
    });
    this.client.on("ready", () => {
      this.lastError = undefined;
    });
  }

  private lastError: string | undefined;

  /**
   * Starts connecting and returns at once: the service comes up not ready, and becomes ready
   * when Redis answers, rather than blocking start-up on a store that may be away or misconfigured.
   */
  connect(): void {
    this.client.connect().catch(() => {});
  }

  async close(): Promise<void> {
    if (this.client.isReady) await this.client.close();
    else if (this.client.isOpen) this.client.destroy();
  }

  async ping(): Promise<void> {
    if (!this.client.isReady)
      throw new Error(`redis is not connected${this.lastError ? `: ${this.lastError}` : ""}`);
    await this.client.ping();
  }

  private key(session: string): string {
    return `cart:${session}`;
  }

  async view(session: string): Promise<CartView> {
    const key = this.key(session);
    const [hash, ttl] = await Promise.all([this.client.hGetAll(key), this.client.ttl(key)]);
    const items = Object.entries(hash)
      .map(([productId, q]) => ({ productId, quantity: Number(q) }))
      .sort((a, b) => a.productId.localeCompare(b.productId));
    return { items, expiresInSeconds: items.length > 0 && ttl >= 0 ? ttl : null };
  }

  /** Adds to a line (mode add) or replaces its quantity (mode set); the new quantity or why not. */
  async change(
    session: string,
    productId: string,
    quantity: number,
    mode: "add" | "set",
  ): Promise<number | Refusal> {
    const { maxQuantity, maxLines, ttlSeconds } = this.limits;
    const result = Number(
      await this.client.eval(CHANGE, {
        keys: [this.key(session)],
        arguments: [
          productId,
          String(quantity),
          mode,
          String(maxQuantity),
          String(maxLines),
          String(ttlSeconds),
        ],
      }),
    );
    return REFUSALS[result] ?? result;
  }

  /** Removes a line; false when it was not there. */
  async remove(session: string, productId: string): Promise<boolean> {
    return (await this.client.hDel(this.key(session), productId)) > 0;
  }

  async clear(session: string): Promise<void> {
    await this.client.del(this.key(session));
  }
}
