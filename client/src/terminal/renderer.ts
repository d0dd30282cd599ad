/** The WebGL renderer when the browser can do it, else xterm's DOM renderer. */
import type { IDisposable, Terminal } from "@xterm/xterm";
import { WebglAddon } from "@xterm/addon-webgl";

/**
 * Loads the WebGL renderer; on failure, or when the GPU context is lost later (driver reset,
 * too many contexts in one page), it is disposed and xterm falls back to its DOM renderer.
 * Must be called after terminal.open().
 */
export function loadBestRenderer(
  terminal: Terminal,
  onFallback?: (reason: string) => void,
): IDisposable {
  let addon: WebglAddon | null = null;
  let lossListener: IDisposable | null = null;
  const fallBack = (reason: string): void => {
    lossListener?.dispose();
    lossListener = null;
    try {
      addon?.dispose();
    } catch {
      // A lost context can make dispose throw; the DOM renderer takes over either way.
    }
    addon = null;
    onFallback?.(reason);
  };
  try {
    addon = new WebglAddon();
    lossListener = addon.onContextLoss(() => fallBack("WebGL context lost"));
    terminal.loadAddon(addon);
  } catch (error) {
    fallBack(error instanceof Error ? error.message : "WebGL unavailable");
  }
  return { dispose: () => fallBack("disposed") };
}
