// Builds the server into dist/server/main.mjs (one ESM file, dependencies external) so `npm start`
// runs plain JavaScript: no TypeScript compiler at start-up, less memory.
import { build } from 'esbuild';

await build({
  entryPoints: ['server/main.ts'],
  outfile: 'dist/server/main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
