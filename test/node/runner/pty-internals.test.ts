/** The node-pty internals the runner's probe relies on are there in the node-pty it ships with. */
import * as nodePty from "@lydell/node-pty";
import { afterEach, describe, expect, it } from "vitest";
import { inputPending, rearmRead, slavePath } from "../../../pty-runner/pty-internals.ts";

describe("node-pty internals (a node-pty upgrade that moves them fails here, not in a probe)", () => {
  let pty: nodePty.IPty | undefined;
  afterEach(() => {
    pty?.kill("SIGKILL");
    pty = undefined;
  });

  it("sees the slave device, whether input is pending, and can re-arm the read", async () => {
    pty = nodePty.spawn("/bin/cat", [], { cols: 80, rows: 24, encoding: null });
    const output: Buffer[] = [];
    pty.onData((data) => output.push(data as unknown as Buffer));
    expect(slavePath(pty)).toMatch(/^\/dev\/pts\/\d+$/);
    expect(inputPending(pty)).toBe(false);
    pty.write(Buffer.from("ping\r") as unknown as string);
    // Either still queued or already in the kernel, but known: never null.
    expect(typeof inputPending(pty)).toBe("boolean");
    await expect.poll(() => Buffer.concat(output).toString()).toContain("ping");
    expect(inputPending(pty)).toBe(false);
    expect(rearmRead(pty)).toBe(true);
    // The read still works after a re-arm.
    pty.write(Buffer.from("pong\r") as unknown as string);
    await expect.poll(() => Buffer.concat(output).toString()).toContain("pong");
  });
});
