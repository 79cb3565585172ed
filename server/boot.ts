// The process entry `npm start` runs (dist/server/main.mjs is built from this file): it runs the bundled
// server, dist/server/server.cjs, with V8's code cache of it, so a start does not parse 2.4 MB of
// JavaScript again nor compile again the functions every start runs (about 70 ms of a 500 ms start).
//
// - The cache (dist/server/server.cjs.cache) is made by `npm run build`: it starts the server once with
//   ACCESS_PROFILES_CODE_CACHE=write, and after the server listens (its warm-up requests done, so their
//   functions are compiled too) this file writes the cache and stops the server.
// - The cache starts with the SHA-256 of the bundle it was made from and is used only with that bundle:
//   V8 itself checks only the source's length. V8 refuses a cache from another Node version or other V8
//   flags; the bundle is then compiled as without a cache. Either way the server runs the same code.
// - Stack traces are mapped to the TypeScript sources with the bundle's source map (server.cjs.map),
//   read on the first stack trace, not at start: Node's --enable-source-maps does not reach code run
//   through node:vm.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, SourceMap, type SourceMapping } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, 'server.cjs');
const cacheFile = join(here, 'server.cjs.cache');
const writing = process.env.ACCESS_PROFILES_CODE_CACHE === 'write';

const source = readFileSync(bundle, 'utf8');
const digest = createHash('sha256').update(source).digest();

/** What became of the cache, for the server's "listening" log line: used, rejected by V8, stale, absent. */
export type CodeCacheUse = 'used' | 'rejected' | 'stale' | 'absent' | 'writing';
const CODE_CACHE_USE = Symbol.for('access-profiles-api.codeCache');

function readCache(): { data?: Buffer; use: CodeCacheUse } {
  if (writing) return { use: 'writing' };
  let file: Buffer;
  try {
    file = readFileSync(cacheFile);
  } catch {
    return { use: 'absent' };
  }
  // Made from another bundle: V8 would take it if the length matched, and run the wrong code.
  if (!file.subarray(0, digest.length).equals(digest)) return { use: 'stale' };
  return { data: file.subarray(digest.length), use: 'used' };
}

mapStackTraces();
// The wrapper CommonJS gives a module, on a line of its own: `lineOffset` keeps the bundle's own line
// numbers in stack traces, so they match the source map.
const cache = readCache();
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, {
  filename: bundle,
  lineOffset: -1,
  cachedData: cache.data,
});
(globalThis as Record<symbol, CodeCacheUse>)[CODE_CACHE_USE] =
  cache.use === 'used' && script.cachedDataRejected ? 'rejected' : cache.use;
if (writing) {
  process.once('access-profiles-api:listening', () => {
    const data = script.createCachedData();
    writeFileSync(`${cacheFile}.${process.pid}`, Buffer.concat([digest, data]));
    renameSync(`${cacheFile}.${process.pid}`, cacheFile);
    process.kill(process.pid, 'SIGTERM');
  });
}
const cjs = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void).call(
  cjs.exports,
  cjs.exports,
  createRequire(bundle),
  cjs,
  bundle,
  here,
);

/** Frames in the bundle are shown at their TypeScript source; the map is read on the first stack trace. */
function mapStackTraces(): void {
  let map: SourceMap | null | undefined;
  const sourceMap = () => {
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
      } catch {
        map = null;
      }
    }
    return map;
  };
  Error.prepareStackTrace = (error, frames) => {
    const lines = frames.map((frame) => {
      const line = frame.getLineNumber();
      const column = frame.getColumnNumber();
      const found =
        frame.getFileName() === bundle && line !== null && column !== null
          ? sourceMap()?.findEntry(line - 1, column - 1)
          : undefined;
      // findEntry answers {} for a position the map does not cover.
      const entry = found && 'originalSource' in found ? (found as SourceMapping) : undefined;
      if (!entry) return `    at ${frame}`;
      const where = `${resolve(here, entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
      const name = frame.getFunctionName() ?? frame.getMethodName();
      return name ? `    at ${name} (${where})` : `    at ${where}`;
    });
    return [String(error), ...lines].join('\n');
  };
}
