/** The stored record of agent calls: kept in order, the oldest ended calls forgotten past the limit, never a call still going. */
import { describe, expect, it } from "vitest";
import {
  KEPT_CALLS,
  KvCallStore,
  type CallRecord,
  type KvLike,
} from "../../durable-objects/terminal-session/call-store.ts";

/** A Map standing in for the Durable Object's synchronous KV storage. */
function memoryKv(): KvLike {
  const map = new Map<string, unknown>();
  return {
    get: <T>(key: string) => structuredClone(map.get(key)) as T | undefined,
    put: (key, value) => void map.set(key, structuredClone(value)),
    delete: (key) => map.delete(key),
  };
}

function record(id: string, phase: CallRecord["phase"]): CallRecord {
  return {
    id,
    kind: "command",
    text: id,
    fingerprint: id,
    clearLine: false,
    phase,
    createdAt: 0,
    clearFrom: null,
    clearedLine: null,
    typedAt: null,
    readsAtTyping: null,
    result: null,
  };
}

describe("KvCallStore", () => {
  it(`keeps the last ${KEPT_CALLS} ended calls and every call still going`, () => {
    const store = new KvCallStore(memoryKv());
    store.put(record("going", "typed"));
    for (let i = 0; i < KEPT_CALLS + 10; i++) store.put(record(`done-${i}`, "done"));
    const ids = store.ids();
    expect(ids).toHaveLength(KEPT_CALLS);
    expect(ids[0]).toBe("going");
    expect(ids[1]).toBe("done-11");
    expect(store.get("done-10")).toBeNull();
    expect(store.get("going")?.phase).toBe("typed");
    store.put({ ...record("going", "done") });
    expect(store.ids()).toHaveLength(KEPT_CALLS);
    store.delete("going");
    expect(store.ids()).not.toContain("going");
  });
});
