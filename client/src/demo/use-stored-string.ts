/** A string state that survives reloads in localStorage. */
import { useCallback, useState } from "preact/hooks";

/** Like useState, but read from and written to `localStorage[key]` (ignored where storage is blocked). */
export function useStoredString(key: string, initial = ""): [string, (value: string) => void] {
  const [value, setValue] = useState(() => {
    try {
      return window.localStorage.getItem(key) ?? initial;
    } catch {
      return initial;
    }
  });
  const store = useCallback(
    (next: string) => {
      setValue(next);
      try {
        if (next) window.localStorage.setItem(key, next);
        else window.localStorage.removeItem(key);
      } catch {
        // Private mode or blocked storage: the value lives for this page only.
      }
    },
    [key],
  );
  return [value, store];
}
