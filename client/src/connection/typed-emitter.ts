/** A tiny typed event emitter: one listener set per event name, each listener removable. */

/** Removes the listener it was returned for. */
export type Unsubscribe = () => void;

/**
 * Emits named events with typed payloads. A throwing listener is reported and skipped, so one
 * faulty subscriber cannot break the protocol state machine that emits the event.
 */
export class TypedEmitter<Events extends object> {
  #listeners = new Map<keyof Events, Set<(value: never) => void>>();

  /** Calls `listener` for every `type` event until the returned function is called. */
  on<K extends keyof Events>(type: K, listener: (value: Events[K]) => void): Unsubscribe {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    const entry = listener as (value: never) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  /** Calls every listener of `type` with `value`, in subscription order. */
  emit<K extends keyof Events>(type: K, value: Events[K]): void {
    const set = this.#listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (value: Events[K]) => void)(value);
      } catch (error) {
        console.error(`listener for "${String(type)}" failed:`, error);
      }
    }
  }

  /** Drops every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
