// Builds the server into dist/server/ so `npm start` runs plain JavaScript: no TypeScript compiler at
// start-up, less memory.
// - server.cjs: the server and its dependencies in one file (resolving and loading some 300 files of
//   node_modules one by one was a large part of the start-up time). The dependencies are bundled from
//   node_modules, so the patch-package patches (patches/) are in. Native and optional modules stay
//   external: better-sqlite3 loads its .node addon, pg-native is an optional peer of pg.
// - main.mjs: the entry (server/boot.ts), which runs server.cjs with V8's code cache of it.
// - server.cjs.cache: that cache, made by starting the built server once (see server/boot.ts). Without
//   it (a failed start here, another Node version) the server starts as well, about 70 ms slower.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startCommand } from './start-command.mjs';

// What earlier builds left that this one does not make (main.mjs was the bundle and had a map).
rmSync('dist/server/main.mjs.map', { force: true });

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Not minified: with the code cache the source is barely parsed at start (whitespace-only minifying
  // measured the same), and an error thrown while the bundle loads prints its source line, which
  // minified is a line of 100 KB.
  logLevel: 'warning',
};

await build({
  ...shared,
  entryPoints: ['server/main.ts'],
  outfile: 'dist/server/server.cjs',
  format: 'cjs',
  external: ['better-sqlite3', 'pg-native'],
  // The two modules that locate files from import.meta.url get the CommonJS equivalent.
  define: { 'import.meta.url': '__import_meta_url' },
  banner: { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: true,
  // Mappings only: with the dependencies' sources inside, the map is 5.6 MB; without them, 1.5 MB.
  sourcesContent: false,
});
await build({ ...shared, entryPoints: ['server/boot.ts'], outfile: 'dist/server/main.mjs', format: 'esm' });

// The code cache: the built server started as `npm start` starts it (same node flags: V8 refuses a cache
// made under other flags), on an in-memory store, until it listens.
rmSync('dist/server/server.cjs.cache', { force: true });
const child = spawn(process.execPath, startCommand(), {
  env: {
    ...process.env,
    ACCESS_PROFILES_CODE_CACHE: 'write',
    DATABASE_URL: 'sqlite::memory:',
    ADMIN_API_KEY: randomBytes(24).toString('base64url'),
    HOST: '127.0.0.1',
    PORT: '0',
    METRICS_PORT: '',
    LOG_LEVEL: 'error',
  },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let stderr = '';
child.stderr.on('data', (d) => (stderr += d));
const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
const code = await new Promise((resolve) => child.once('exit', (c, signal) => resolve(c ?? signal)));
clearTimeout(timer);
if (code !== 0)
  console.warn(
    `build-server: no code cache (the start that makes it ended with ${code}); the server starts without it.\n${stderr}`,
  );
