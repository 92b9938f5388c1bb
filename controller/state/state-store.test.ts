import { describe, expect, test } from "@jest/globals";
import { decodeState, encodeState, STATE_FORMAT } from "./state-store.js";

describe("the optimizer's saved state", () => {
  test("round-trips through gzip with its checksum", () => {
    const state = {
      format: STATE_FORMAT,
      intents: { "shop/catalog": { policy: "thompson-k2", state: { a: 1 }, decisions: 3 } },
    } as const;
    const { data, checksum } = encodeState(state);
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(decodeState(data, checksum)).toEqual(state);
  });

  test("a wrong checksum or format is refused with the reason", () => {
    const { data, checksum } = encodeState({ format: STATE_FORMAT, intents: {} });
    expect(() => decodeState(data, "0".repeat(64))).toThrow(/does not match the recorded 000000000000/);
    const other = encodeState({ format: "other/v9" as never, intents: {} });
    expect(() => decodeState(other.data, other.checksum)).toThrow(/state format other\/v9 is not/);
    expect(decodeState(data, checksum).intents).toEqual({});
  });
});
