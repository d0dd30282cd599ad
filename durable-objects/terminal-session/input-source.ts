/** Who typed into the shell: an agent's tool call or a writer. Its own file so pure logic can name it without SQLite's types. */
export type { InputSource } from "../../protocol/index.ts";
