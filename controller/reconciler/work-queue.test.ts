import { describe, expect, test } from "@jest/globals";
import { WorkQueue } from "./work-queue.js";

describe("the reconciler's work queue", () => {
  test("a key added twice is visited once, in key order, and leaves the queue when taken", () => {
    const q = new WorkQueue();
    q.add("shop/b");
    q.add("shop/a");
    q.add("shop/b");
    expect(q.take(1)).toEqual(["shop/a", "shop/b"]);
    expect(q.take(2)).toEqual([]);
  });

  test("a transient failure comes back after 1, 2, 4... intervals, capped, and success resets it", () => {
    const q = new WorkQueue(4);
    q.add("shop/a");
    const due: number[] = [];
    let interval = 1;
    for (let failures = 0; failures < 5; ) {
      interval++;
      if (q.take(interval).length === 0) continue;
      due.push(interval);
      q.retry("shop/a", interval);
      failures++;
    }
    // The gaps between visits grow 1, 2, 4, then stay at the cap.
    expect(due.slice(1).map((d, i) => d - due[i])).toEqual([1, 2, 4, 4]);
    expect(q.failuresOf("shop/a")).toBe(5);
    q.done("shop/a");
    q.add("shop/a");
    expect(q.take(interval + 1)).toEqual(["shop/a"]);
    expect(q.failuresOf("shop/a")).toBe(0);
  });
});
