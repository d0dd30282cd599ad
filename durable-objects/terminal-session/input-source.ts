/** Who typed into the shell: an agent's tool call or a writer. Its own file so pure logic can name it without SQLite's types. */

/** Where input came from. */
export type InputSource = { kind: "agent"; callId: string | null } | { kind: "writer" };
