/** The control messages' schemas: strict numbers, and errors that name the field, what was expected and what came. */
import { describe, expect, it } from "vitest";
import {
  MAX_CONTROL_MESSAGE_BYTES,
  parseHubToRunnerMessage,
  parseRunnerHubMessage,
  parseRunnerMessage,
  parseSessionToRunnerMessage,
  parseSessionToViewerMessage,
  parseViewerMessage,
} from "../../protocol/index.ts";

const errorOf = (result: { ok: boolean; error?: string }) => (result.ok ? null : result.error);

describe("viewer messages", () => {
  it("take integer sizes in range and refuse the rest, naming the field and the range", () => {
    expect(parseViewerMessage('{"type":"resize","cols":120,"rows":40}')).toEqual({
      ok: true,
      message: { type: "resize", cols: 120, rows: 40 },
    });
    const bad: [string, string][] = [
      [
        '{"type":"resize","cols":1.5,"rows":24}',
        "cols: expected an integer from 2 to 1000, got 1.5",
      ],
      [
        '{"type":"resize","cols":"80","rows":24}',
        'cols: expected an integer from 2 to 1000, got the string "80"',
      ],
      [
        '{"type":"resize","cols":80,"rows":null}',
        "rows: expected an integer from 1 to 500, got null",
      ],
      [
        '{"type":"resize","cols":-1e999,"rows":24}',
        "cols: expected an integer from 2 to 1000, got -Infinity",
      ],
      [
        '{"type":"resize","cols":5000,"rows":0}',
        "cols: expected an integer from 2 to 1000, got 5000; rows: expected an integer from 1 to 500, got 0",
      ],
      ['{"type":"resize","cols":80}', "rows: required, expected an integer from 1 to 500"],
      ['{"type":"ack","offset":-5}', "offset: expected a non-negative integer, got -5"],
      [
        '{"type":"ack","offset":1e20}',
        "offset: expected a non-negative integer, got 100000000000000000000",
      ],
      [
        '{"type":"signal","signal":"SIGSTOP"}',
        'signal: expected one of "SIGINT", "SIGTERM", "SIGKILL", "SIGHUP", "SIGQUIT", got the string "SIGSTOP"',
      ],
    ];
    for (const [text, error] of bad) expect(errorOf(parseViewerMessage(text)), text).toBe(error);
  });

  it("say what was wrong with text that is no message at all", () => {
    expect(errorOf(parseViewerMessage("{not json"))).toBe("control message is not valid JSON");
    expect(errorOf(parseViewerMessage("[1,2,3]"))).toBe("control message must be a JSON object");
    expect(errorOf(parseViewerMessage('{"type":42}'))).toBe(
      'control message needs a string "type"',
    );
    expect(errorOf(parseViewerMessage('{"type":"launch-missiles"}'))).toBe(
      'type: expected one of "resize", "signal", "ack", "token", "host-ping", got the string "launch-missiles"',
    );
    const big = JSON.stringify({ type: "token", token: "x".repeat(MAX_CONTROL_MESSAGE_BYTES) });
    expect(errorOf(parseViewerMessage(big))).toBe(
      `control message longer than ${MAX_CONTROL_MESSAGE_BYTES} bytes`,
    );
  });

  it("keep the JSON object of a refused message, for callers that answer it", () => {
    const result = parseViewerMessage('{"type":"resize","cols":1.5,"rows":24}');
    expect(result).toMatchObject({ ok: false, raw: { type: "resize", cols: 1.5, rows: 24 } });
  });
});

describe("runner and hub messages", () => {
  it("name nested fields by their path", () => {
    expect(
      errorOf(parseRunnerMessage('{"type":"exit","exit":{"code":1.5,"signal":null},"offset":3}')),
    ).toBe("exit.code: expected an integer exit code or null, got 1.5");
    expect(
      errorOf(
        parseRunnerMessage(
          JSON.stringify({
            type: "terminal",
            probe: 1,
            offset: 0,
            facts: {
              shellInForeground: true,
              reading: "poll",
              shellReads: -1,
              foreground: ["a", 3],
            },
          }),
        ),
      ),
    ).toBe(
      "facts.shellReads: expected a non-negative integer, got -1; facts.foreground[1]: expected a string, got 3",
    );
    expect(
      errorOf(
        parseHubToRunnerMessage(
          JSON.stringify({
            type: "open",
            sessionId: "s",
            cols: 80,
            rows: 24,
            cwd: null,
            env: { OK: "1", BAD: 1 },
          }),
        ),
      ),
    ).toBe("env.BAD: expected a string, got 1");
    expect(
      errorOf(
        parseRunnerHubMessage(
          '{"type":"hello","host":"h","version":"1","maxSessions":0,"sessions":[]}',
        ),
      ),
    ).toBe("maxSessions: expected an integer from 1 to 1000000, got 0");
  });

  it("refuse what node-pty would throw on before it reaches the runner", () => {
    for (const text of [
      '{"type":"resize","cols":0,"rows":0}',
      '{"type":"resize","cols":65536,"rows":24}',
      '{"type":"resize","cols":80.5,"rows":24}',
      '{"type":"welcome","protocol":1,"generation":1,"storedEnd":0,"size":{"cols":80,"rows":"24"}}',
    ]) {
      expect(parseSessionToRunnerMessage(text).ok, text).toBe(false);
    }
    expect(
      parseSessionToRunnerMessage(
        '{"type":"welcome","protocol":1,"generation":1,"storedEnd":0,"size":{"cols":80,"rows":24}}',
      ).ok,
    ).toBe(true);
  });

  it("let a client read every message the session sends, and ignore unknown fields", () => {
    const welcome = {
      type: "welcome",
      protocol: 1,
      sessionId: "s",
      role: "writer",
      state: "running",
      history: { start: 0, end: 10 },
      replayFrom: 0,
      size: { cols: 80, rows: 24 },
      runner: "online",
      exit: null,
      lease: { holder: "agent", callId: "c1", command: "ls" },
      future: "field",
    };
    const { future: _future, ...known } = welcome;
    expect(parseSessionToViewerMessage(JSON.stringify(welcome))).toEqual({
      ok: true,
      message: known,
    });
    expect(parseSessionToViewerMessage('{"type":"from-a-newer-server"}').ok).toBe(false);
  });

  it("read a command record, and refuse one with a bad number or source, naming the field", () => {
    const command = {
      number: 2,
      text: "make",
      cwd: "/src",
      source: { kind: "agent", callId: "c1" },
      start: 10,
      end: null,
      startedAt: "2026-12-02T00:00:00.000Z",
      endedAt: null,
      exitCode: null,
    };
    expect(parseSessionToViewerMessage(JSON.stringify({ type: "command", command }))).toEqual({
      ok: true,
      message: { type: "command", command },
    });
    const zero = parseSessionToViewerMessage(
      JSON.stringify({ type: "command", command: { ...command, number: 0 } }),
    );
    expect(zero.ok ? "" : zero.error).toContain("command.number");
    const source = parseSessionToViewerMessage(
      JSON.stringify({ type: "command", command: { ...command, source: { kind: "robot" } } }),
    );
    expect(source.ok ? "" : source.error).toContain("command.source");
  });
});
