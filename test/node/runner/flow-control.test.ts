/** Unit tests of flow control: pause above the high watermark, resume only below the low one. */
import { expect, test } from "vitest";
import { FlowControl } from "../../../pty-runner/flow-control.ts";

test("the PTY pauses above the high watermark and resumes only below the low watermark", () => {
  const flow = new FlowControl({ highBytes: 100, lowBytes: 20 });
  expect(flow.update(100)).toBeNull();
  expect(flow.update(101)).toBe("pause");
  expect(flow.update(500)).toBeNull();
  expect(flow.update(50)).toBeNull();
  expect(flow.paused).toBe(true);
  expect(flow.update(19)).toBe("resume");
  expect(flow.update(19)).toBeNull();
  expect(flow.paused).toBe(false);
});

test("watermarks in the wrong order are refused", () => {
  expect(() => new FlowControl({ highBytes: 10, lowBytes: 10 })).toThrow(RangeError);
});
