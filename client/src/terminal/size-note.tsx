/** The note a panel shows when its terminal is smaller than the panel: the session is sized to its smallest writer. */
import type { PanelSizes } from "./size-follower.ts";
import { sizedDown } from "./size-follower.ts";

/** Props of SizeNote. */
export interface SizeNoteProps {
  sizes: PanelSizes | null;
}

/** Says why there is a margin around the terminal; renders nothing when the terminal fills the panel. */
export function SizeNote({ sizes }: SizeNoteProps) {
  if (!sizes || !sizedDown(sizes)) return null;
  const { cols, rows } = sizes.shows;
  return (
    <div
      class="terminal-size-note"
      data-testid="terminal-size-note"
      title="Several writers share this session: it takes the smallest writer's size, so no one's panel cuts it off."
    >
      sized to the smallest writer: {cols}x{rows}
    </div>
  );
}
