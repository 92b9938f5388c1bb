import { describe, expect, test } from "@jest/globals";
import { DeadlineError, deadline } from "./deadline.js";

describe("deadline", () => {
  test("passes a prompt answer through, and gives up on a hung call with a named error", async () => {
    await expect(deadline(Promise.resolve(7), 1000, "reading")).resolves.toBe(7);
    const hung = new Promise<never>(() => undefined);
    await expect(deadline(hung, 10, "reading the lease")).rejects.toThrow(DeadlineError);
    await expect(deadline(hung, 10, "reading the lease")).rejects.toThrow(
      "reading the lease timed out after 10 ms",
    );
  });
});
