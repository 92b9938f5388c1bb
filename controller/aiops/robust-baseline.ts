/**
 * A robust baseline per signal: the median and the median absolute deviation (MAD) of the healthy
 * readings in the same seasonal slot (hour of the week by default), falling back to every recent
 * healthy reading until a slot has enough of its own. Median and MAD ignore the outliers a mean and
 * a standard deviation would chase (one slow minute moves a mean; it does not move a median), which
 * is why they are the usual robust choice for anomaly scores (Rousseeuw and Croux, 1993; 1.4826 makes
 * the MAD estimate a normal distribution's standard deviation).
 */
import { directionalScore, type SignalName } from "./signals.js";

export interface BaselineOptions {
  /** The season. @default one week */
  readonly seasonMs?: number;
  /** Width of one seasonal slot. @default one hour */
  readonly slotMs?: number;
  /** Readings a slot keeps (the newest). @default 240 */
  readonly perSlot?: number;
  /** Readings a slot needs before it is used instead of the recent ones. @default 30 */
  readonly minPerSlot?: number;
  /** Recent readings kept across slots, the fallback. @default 720 */
  readonly recent?: number;
}

export interface Expectation {
  readonly median: number;
  /** 1.4826 × MAD: a standard deviation's worth, robustly. */
  readonly scale: number;
  readonly points: number;
}

const MAD_TO_SIGMA = 1.4826;

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export class RobustBaseline {
  private readonly seasonMs: number;
  private readonly slotMs: number;
  private readonly perSlot: number;
  private readonly minPerSlot: number;
  private readonly recentMax: number;
  private readonly slots = new Map<number, number[]>();
  private readonly recent: number[] = [];

  constructor(
    readonly signal: SignalName,
    o: BaselineOptions = {},
  ) {
    this.seasonMs = o.seasonMs ?? 7 * 24 * 3_600_000;
    this.slotMs = o.slotMs ?? 3_600_000;
    this.perSlot = o.perSlot ?? 240;
    this.minPerSlot = o.minPerSlot ?? 30;
    this.recentMax = o.recent ?? 720;
  }

  private slotOf(atMs: number): number {
    return Math.floor((((atMs % this.seasonMs) + this.seasonMs) % this.seasonMs) / this.slotMs);
  }

  /** Learns a healthy reading. */
  observe(atMs: number, value: number): void {
    const slot = this.slotOf(atMs);
    const list = this.slots.get(slot) ?? [];
    list.push(value);
    if (list.length > this.perSlot) list.shift();
    this.slots.set(slot, list);
    this.recent.push(value);
    if (this.recent.length > this.recentMax) this.recent.shift();
  }

  get size(): number {
    return this.recent.length;
  }

  /** What the baseline expects at `atMs`; undefined before it has any reading. */
  expect(atMs: number): Expectation | undefined {
    const slot = this.slots.get(this.slotOf(atMs));
    const values = slot !== undefined && slot.length >= this.minPerSlot ? slot : this.recent;
    if (values.length === 0) return undefined;
    const m = median(values);
    const mad = median(values.map((v) => Math.abs(v - m)));
    return { median: m, scale: MAD_TO_SIGMA * mad, points: values.length };
  }

  /** The reading's robust score in the signal's bad direction (0 when it errs the harmless way). */
  score(atMs: number, value: number): number | undefined {
    const e = this.expect(atMs);
    return e === undefined ? undefined : directionalScore(this.signal, value, e.median, e.scale);
  }
}
