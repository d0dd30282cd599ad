/** Waits for the fact a keyframe test needs before it joins: the session offers a joiner a keyframe of the wanted kind (the runner takes them off its output path, so they land after the output). */
import { parseJoinFragment } from "../../protocol/index.ts";
import type { Stack } from "./edge-stack.ts";
import { mintJoinUrl } from "./join-page.ts";
import { NodeViewer } from "./node-viewer.ts";

/** A keyframe as a `welcome` announces it. */
export interface OfferedKeyframe {
  offset: number;
  cols: number;
  rows: number;
}

/**
 * Resolves once a join of session `id` at `server` is offered a keyframe that `wanted` accepts
 * (short-lived probe joins with `token`, 50 ms apart); fails after `timeoutMs` naming the newest.
 */
export async function keyframeOffered(
  server: string,
  id: string,
  token: string,
  wanted: (keyframe: OfferedKeyframe) => boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = NodeViewer.join(server, id, token);
    const welcome = await probe.message("welcome");
    probe.close();
    const keyframe = (welcome.keyframe ?? null) as OfferedKeyframe | null;
    if (keyframe && wanted(keyframe)) return;
    if (Date.now() > deadline) {
      throw new Error(`no such keyframe offered; the newest: ${JSON.stringify(keyframe)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The same for a session of `stack`, probing with a viewer link minted for it. */
export async function stackOffersKeyframe(
  stack: Stack,
  sessionId: string,
  wanted: (keyframe: OfferedKeyframe) => boolean,
): Promise<void> {
  const { token } = parseJoinFragment(new URL(await mintJoinUrl(stack, sessionId, "viewer")).hash);
  await keyframeOffered(stack.url, sessionId, token!, wanted);
}
