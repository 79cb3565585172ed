// How the sandbox shows a line of prism proxy's log: a response that breaks the spec is a loud contract
// violation on stderr; a caller's own bad request is noted as such (the server answered it); the rest
// passes through.
export interface ShownLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export function prismLine(line: string): ShownLine | null {
  if (!line.trim()) return null;
  if (/Violation: response/i.test(line))
    return { stream: 'stderr', text: `\n!!! CONTRACT VIOLATION (the server's answer breaks the spec) !!!\n${line}\n` };
  if (/Violation: request/i.test(line))
    return {
      stream: 'stdout',
      text: `${line.replace(/✖\s+error/, 'ℹ  caller')}  (the caller's request; answered by the server)\n`,
    };
  return { stream: 'stdout', text: `${line}\n` };
}
