// Builds the server into dist/server/main.mjs (one ESM file) so `npm start` runs plain JavaScript: no
// TypeScript compiler at start-up, less memory. Dependencies are bundled in too (resolving and loading
// some 300 files of node_modules one by one was a large part of the start-up time); they are bundled
// from node_modules, so the patch-package patches (patches/) are in. Native and optional modules stay
// external: better-sqlite3 loads its .node addon, pg-native is an optional peer of pg.
import { build } from 'esbuild';

await build({
  entryPoints: ['server/main.ts'],
  outfile: 'dist/server/main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg-native'],
  // The CommonJS dependencies call require() for Node's built-ins; an ES module has none of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  sourcemap: true,
  // Mappings only: with the dependencies' sources inside, the map is 5.6 MB and --enable-source-maps
  // holds it in memory (+34 MB peak); without them, 1.9 MB (+11 MB).
  sourcesContent: false,
  logLevel: 'warning',
});
