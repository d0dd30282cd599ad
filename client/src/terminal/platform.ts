/** Which OS the browser runs on, as far as keyboard shortcuts care: macOS (and iOS) take Cmd where others take Ctrl. */

/** The platform the browser reports: User-Agent Client Hints where they exist, else navigator.platform. */
export function browserPlatform(): string {
  const nav = globalThis.navigator as
    (Navigator & { userAgentData?: { platform?: string } }) | undefined;
  return nav?.userAgentData?.platform || nav?.platform || "";
}

/** Whether `platform` is macOS or iOS ("macOS" from client hints, "MacIntel"/"iPhone" from navigator.platform). */
export function isApplePlatform(platform: string = browserPlatform()): boolean {
  return /^(mac|iphone|ipad|ipod)/i.test(platform);
}
