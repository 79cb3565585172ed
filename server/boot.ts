// The process entry `npm start` runs (dist/server/main.mjs is built from this file): it runs the bundled
// server, dist/server/server.cjs, with V8's code cache of it, so a start does not parse 2.4 MB of
// JavaScript again nor compile again the functions every start runs (about 70 ms of a 500 ms start).
//
// - The cache (dist/server/server.cjs.cache) is made by `npm run build`: it starts the server once with
//   ACCESS_PROFILES_CODE_CACHE=write, and after the server listens (its warm-up requests done, so their
//   functions are compiled too) this file writes the cache and stops the server.
// - The cache starts with the SHA-256 of the bundle it was made from, and is used only with that bundle
//   (V8 itself checks only the source's length), then the SHA-256 of the cache data, which is used only
//   when intact (V8 does not check it: a damaged cache crashed the deserializer or ran damaged code). V8
//   refuses a cache from another Node version or other V8 flags. In every case but "used" the bundle is
//   compiled as without a cache; the server runs the same code.
// - Stack traces are mapped to the TypeScript sources with the bundle's source map (server.cjs.map),
//   read on the first stack trace, not at start: Node's --enable-source-maps does not reach code run
//   through node:vm.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, SourceMap, type SourceMapping } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, 'server.cjs');
const cacheFile = join(here, 'server.cjs.cache');
const writing = process.env.ACCESS_PROFILES_CODE_CACHE === 'write';

const source = readFileSync(bundle, 'utf8');
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();
const digest = sha256(source);

/**
 * What became of the cache, for the server's "listening" log line: used; rejected by V8; stale (made from
 * another bundle); damaged; absent.
 */
export type CodeCacheUse = 'used' | 'rejected' | 'stale' | 'damaged' | 'absent' | 'writing';
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
  if (!file.subarray(0, 32).equals(digest)) return { use: 'stale' };
  const data = file.subarray(64);
  if (!file.subarray(32, 64).equals(sha256(data))) return { use: 'damaged' };
  return { data, use: 'used' };
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
    const temporary = `${cacheFile}.${process.pid}`;
    try {
      writeFileSync(temporary, Buffer.concat([digest, sha256(data), data]));
      renameSync(temporary, cacheFile);
    } catch (e) {
      rmSync(temporary, { force: true });
      process.stderr.write(`code cache not written: ${(e as Error).message}\n`);
      process.exit(1);
    }
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
      const text = `    at ${frame}`;
      const file = frame.getFileName();
      const line = frame.getLineNumber();
      const column = frame.getColumnNumber();
      // By name: a frame of code from the cache carries the path the bundle had when the cache was made.
      if (!file || basename(file) !== 'server.cjs' || line === null || column === null) return text;
      const found = sourceMap()?.findEntry(line - 1, column - 1);
      // findEntry answers {} for a position the map does not cover.
      if (!found || !('originalSource' in found)) return text;
      const entry = found as SourceMapping;
      const where = `${resolve(here, entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
      // The frame as V8 writes it (async, new, Type.method), at the source's place instead of the bundle's.
      return text.replace(`${file}:${line}:${column}`, where);
    });
    return [headerOf(error), ...lines].join('\n');
  };
}

/** The first line V8 writes: `Name: message`, and for what is not an Error what its text is, if any. */
function headerOf(error: unknown): string {
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
