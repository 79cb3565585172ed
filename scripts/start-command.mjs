// The command `npm start` runs, as node's arguments: its flags, then the script. The build makes the
// code cache under exactly these flags, and the tests and the bench start the server with them.
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);

/** @returns {string[]} */
export function startCommand() {
  const start = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).scripts.start;
  const m = /^exec node ((?:--[\w-]+(?:=\S+)? )*)(dist\/server\/main\.mjs)$/.exec(start);
  if (!m) throw new Error(`package.json's start script is not 'exec node [flags] dist/server/main.mjs': ${start}`);
  return [...m[1].trim().split(' ').filter(Boolean), m[2]];
}
