/** Whether the main pointer is a finger (`pointer: coarse`), followed live (a tablet's keyboard may come and go). */
import { useEffect, useState } from "preact/hooks";

/** Matches where the main pointer is a finger. */
export const COARSE_QUERY = "(pointer: coarse)";

/** True on touch screens whose main pointer is coarse. */
export function useCoarsePointer(): boolean {
  const [coarse, setCoarse] = useState(() => !!globalThis.matchMedia?.(COARSE_QUERY).matches);
  useEffect(() => {
    if (!globalThis.matchMedia) return;
    const query = matchMedia(COARSE_QUERY);
    const onChange = (): void => setCoarse(query.matches);
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, []);
  return coarse;
}
