// The built entry (dist/server/main.mjs, from server/boot.ts) runs the bundled server with the V8 code
// cache `npm run build` makes: used when it was made from this very bundle, never when the bundle
// changed (V8 alone checks only the length), and stack traces still name the TypeScript sources.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, startCommand, startServerProcess, type ServerProcess } from '../support/processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'dist/server');

describe('the built server', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({
      DATABASE_URL: 'sqlite::memory:',
      ADMIN_API_KEY: 'boot-admin-key-0123456789',
      LOG_LEVEL: 'info',
    });
  }, 60_000);
  afterAll(() => server?.stop());

  it('When npm run build has run, then its code cache starts with the SHA-256 of the bundle, and a start as npm start starts says it used it', async () => {
    const bundle = readFileSync(join(dist, 'server.cjs'));
    const cache = readFileSync(join(dist, 'server.cjs.cache'));
    expect(cache.subarray(0, 32).equals(createHash('sha256').update(bundle).digest())).toBe(true);
    expect(cache.length).toBeGreaterThan(100_000);
    // Stopped first: an answered /health does not mean the log line has reached this process yet.
    expect(await server.stop()).toBe(0);
    const listening = server
      .output()
      .split('\n')
      .find((l) => l.includes('Access Profiles API listening'));
    expect(JSON.parse(listening!)).toMatchObject({ codeCache: 'used' });
  });
});

describe('the built server without its project', () => {
  it('When it runs from a folder without generated/openapi.json, then it exits 2 with one line naming the file', () => {
    buildOnce();
    const project = mkdtempSync(join(tmpdir(), 'ap-no-spec-'));
    cpSync(dist, join(project, 'dist/server'), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'));
    const r = spawnSync(process.execPath, [...startCommand().slice(0, -1), join(project, 'dist/server/main.mjs')], {
      env: { ...process.env, DATABASE_URL: 'sqlite::memory:', ADMIN_API_KEY: 'boot-admin-key-0123456789', PORT: '0' },
      encoding: 'utf8',
    });
    rmSync(project, { recursive: true, force: true });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'access-profiles-api cannot start: start-up failed (generated/openapi.json not found: run npm run generate)',
    ]);
  });
});

describe('the entry on a bundle of its own (a fixture built like the server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ap-boot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fixture = join(dir, 'src', 'fixture.ts');
  const out = join(dir, 'dist');
  // Line 3 makes the Error whose stack is checked.
  const source = (answer: number) =>
    [
      'const where = (): string | undefined =>',
      '  // the stack is made on the next line',
      "  new Error('boom').stack;",
      'process.stdout.write(',
      '  JSON.stringify({',
      '    stack: where(),',
      "    cache: (globalThis as Record<symbol, unknown>)[Symbol.for('access-profiles-api.codeCache')],",
      `    answer: ${answer},`,
      // A stack asked of an object that is no Error, with no prototype to print it by.
      '    plain: (() => { const o = Object.create(null); Error.captureStackTrace(o); return typeof o.stack; })(),',
      '  }),',
      ');',
      "process.emit('access-profiles-api:listening' as never);",
      '',
    ].join('\n');

  async function buildFixture(answer: number): Promise<void> {
    writeFileSync(fixture, source(answer));
    await build({
      entryPoints: [fixture],
      outfile: join(out, 'server.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      sourcemap: true,
      sourcesContent: false,
      minifyWhitespace: true,
      logLevel: 'silent',
    });
  }

  /** The built entry, run as npm start runs it (its node flags), next to the fixture bundle. */
  function run(env: Record<string, string> = {}, from = out) {
    const flags = startCommand().slice(0, -1);
    const r = spawnSync(process.execPath, [...flags, join(from, 'main.mjs')], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    return {
      ...r,
      result: r.stdout
        ? (JSON.parse(r.stdout) as { stack: string; cache: string; answer: number; plain: string })
        : null,
    };
  }

  beforeAll(async () => {
    buildOnce();
    mkdirSync(join(dir, 'src'));
    mkdirSync(out);
    copyFileSync(join(dist, 'main.mjs'), join(out, 'main.mjs'));
    await buildFixture(41);
  }, 60_000);

  it('When there is no cache, then the bundle runs without one, and a stack trace names the TypeScript source and line', () => {
    const { result, stderr } = run();
    expect(stderr).toBe('');
    expect(result).toMatchObject({ cache: 'absent', answer: 41, plain: 'string' });
    expect(result!.stack.split('\n')[0]).toBe('Error: boom');
    expect(result!.stack).toContain(`${fixture}:3:`);
    expect(result!.stack).not.toContain('server.cjs');
  });

  it('When the cache is written (as the build does) and the entry runs again, then the cache is used', () => {
    const writing = run({ ACCESS_PROFILES_CODE_CACHE: 'write' });
    expect(writing.result).toMatchObject({ cache: 'writing' });
    expect(writing.signal).toBe('SIGTERM'); // the entry stops the process once the cache is written
    expect(existsSync(join(out, 'server.cjs.cache'))).toBe(true);
    expect(run().result).toMatchObject({ cache: 'used', answer: 41 });
  });

  it('When the bundle changes but keeps its length, then the old cache is not used and the new code runs', async () => {
    run({ ACCESS_PROFILES_CODE_CACHE: 'write' });
    const before = readFileSync(join(out, 'server.cjs'));
    await buildFixture(42);
    expect(readFileSync(join(out, 'server.cjs')).length).toBe(before.length);
    expect(run().result).toMatchObject({ cache: 'stale', answer: 42 });
  });

  it('When the cache was made under other node flags, then V8 refuses it and the bundle still runs', () => {
    run({ ACCESS_PROFILES_CODE_CACHE: 'write' });
    const r = spawnSync(process.execPath, ['--stack-size=2000', join(out, 'main.mjs')], { encoding: 'utf8' });
    expect(JSON.parse(r.stdout)).toMatchObject({ cache: 'rejected', answer: 42 });
  });

  it('When the cache data is damaged, then it is not used and the bundle still runs', () => {
    run({ ACCESS_PROFILES_CODE_CACHE: 'write' });
    const intact = readFileSync(join(out, 'server.cjs.cache'));
    for (const offset of [64 + 36, 64 + 300, intact.length - 10]) {
      const damaged = Buffer.from(intact);
      damaged[offset]! ^= 0xff;
      writeFileSync(join(out, 'server.cjs.cache'), damaged);
      const r = run();
      expect([r.status, r.result]).toMatchObject([0, { cache: 'damaged', answer: 42 }]);
    }
  });

  it('When the built folder is moved after the build, then its cache is still used and stack traces still name the TypeScript source', () => {
    run({ ACCESS_PROFILES_CODE_CACHE: 'write' });
    const moved = join(dir, 'moved');
    cpSync(out, moved, { recursive: true });
    const { result } = run({}, moved);
    expect(result).toMatchObject({ cache: 'used', answer: 42 });
    expect(result!.stack).toContain(`${fixture}:3:`);
  });
});
