// The sandbox's reading of prism's log, on lines prism writes: only the server's answers are violations.
import { describe, expect, it } from 'vitest';
import { prismLine } from '../../scripts/sandbox-log.js';

describe('sandbox log', () => {
  it('When prism reports a response that breaks the spec, then it is a loud contract violation on stderr', () => {
    const shown = prismLine(
      "[9:01:02 AM] ›     [VALIDATOR] ✖  error     Violation: response.body Response body must have required property 'version'",
    );
    expect(shown?.stream).toBe('stderr');
    expect(shown?.text).toContain('!!! CONTRACT VIOLATION');
    expect(shown?.text).toContain("must have required property 'version'");
  });

  it("When prism reports a caller's bad request, then it is noted as the caller's, on stdout, not as a violation", () => {
    const shown = prismLine(
      "[9:01:02 AM] ›     [VALIDATOR] ✖  error     Violation: request.body Request body must NOT have additional properties; found 'colour'",
    );
    expect(shown).toEqual({
      stream: 'stdout',
      text: "[9:01:02 AM] ›     [VALIDATOR] ℹ  caller     Violation: request.body Request body must NOT have additional properties; found 'colour'  (the caller's request; answered by the server)\n",
    });
  });

  it('When prism logs anything else, then it passes through; blank lines are dropped', () => {
    expect(prismLine('[9:01:02 AM] ›     [PROXY] ℹ  info      < Received forward response')).toEqual({
      stream: 'stdout',
      text: '[9:01:02 AM] ›     [PROXY] ℹ  info      < Received forward response\n',
    });
    expect(prismLine('   ')).toBeNull();
  });
});
