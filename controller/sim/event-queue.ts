/**
 * A binary min-heap of timed events.
 *
 * Ties in time are broken by insertion order, so a run is identical however the heap happens to
 * be laid out: determinism must not depend on floating-point coincidences.
 */
export class EventQueue<T> {
  private times: number[] = [];
  private order: number[] = [];
  private items: T[] = [];
  private inserted = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, item: T): void {
    const times = this.times;
    const order = this.order;
    const items = this.items;
    const seq = this.inserted++;
    let i = items.length;
    times.push(time);
    order.push(seq);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent] < time || (times[parent] === time && order[parent] < seq)) break;
      times[i] = times[parent];
      order[i] = order[parent];
      items[i] = items[parent];
      i = parent;
    }
    times[i] = time;
    order[i] = seq;
    items[i] = item;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    return this.items.length > 0 ? this.times[0] : Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the earliest event's item; check `size` first. */
  pop(): T {
    const times = this.times;
    const order = this.order;
    const items = this.items;
    const top = items[0];
    const lastTime = times.pop() as number;
    const lastOrder = order.pop() as number;
    const lastItem = items.pop() as T;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        let child = left;
        if (
          right < n &&
          (times[right] < times[left] || (times[right] === times[left] && order[right] < order[left]))
        )
          child = right;
        if (times[child] > lastTime || (times[child] === lastTime && order[child] > lastOrder)) break;
        times[i] = times[child];
        order[i] = order[child];
        items[i] = items[child];
        i = child;
      }
      times[i] = lastTime;
      order[i] = lastOrder;
      items[i] = lastItem;
    }
    return top;
  }
}
