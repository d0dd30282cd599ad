/** Light or dark: the panel follows the system's `prefers-color-scheme` live unless told which. */
import { useEffect, useState } from "preact/hooks";

/** What a caller may ask for; "auto" follows the system. */
export type ColorScheme = "light" | "dark" | "auto";
/** What is shown. */
export type ResolvedColorScheme = "light" | "dark";

const LIGHT_QUERY = "(prefers-color-scheme: light)";

/** The system's scheme now; dark where the browser cannot say. */
export function systemColorScheme(): ResolvedColorScheme {
  return globalThis.matchMedia?.(LIGHT_QUERY).matches ? "light" : "dark";
}

/** The scheme to show for `wanted`, re-rendering when the system's changes while "auto". */
export function useColorScheme(wanted: ColorScheme = "auto"): ResolvedColorScheme {
  const [system, setSystem] = useState(systemColorScheme);
  useEffect(() => {
    if (wanted !== "auto" || !globalThis.matchMedia) return;
    const query = matchMedia(LIGHT_QUERY);
    const onChange = (): void => setSystem(query.matches ? "light" : "dark");
    onChange();
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, [wanted]);
  return wanted === "auto" ? system : wanted;
}
