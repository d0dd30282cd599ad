/** xterm's character-set tables back to the designator (ESC ( X) that selects each, learnt from xterm itself. */
import { createHeadlessTerminal } from "./headless-terminal.ts";
import { coreOf } from "./xterm-internals.ts";

// The designators xterm knows (src/common/data/Charsets.ts). "B" (US ASCII) is `undefined` there.
const DESIGNATORS = [
  "0",
  "A",
  "B",
  "4",
  "C",
  "5",
  "R",
  "Q",
  "K",
  "Y",
  "E",
  "6",
  "Z",
  "H",
  "7",
  "=",
];

let byTable: Map<object, string> | null = null;

/**
 * The designator of `table` (one of xterm's charset objects), or "B" for US ASCII. xterm does not
 * export its tables, but they are module-level objects shared by every terminal, so designating each
 * once in a scratch terminal and reading the object back gives an exact map.
 */
export function designatorOf(table: object | undefined): string {
  if (table === undefined) return "B";
  if (byTable === null) {
    byTable = new Map();
    const scratch = createHeadlessTerminal({ cols: 2, rows: 1, scrollback: 0 });
    const core = coreOf(scratch);
    for (const designator of DESIGNATORS) {
      core._writeBuffer.writeSync(`\x1b(${designator}`);
      const learnt = core._inputHandler._charsetService._charsets[0];
      if (learnt !== undefined && !byTable.has(learnt)) byTable.set(learnt, designator);
    }
    scratch.dispose();
  }
  // An unknown table cannot come from xterm's parser; ASCII is the safe answer.
  return byTable.get(table) ?? "B";
}
