// `npm run build:client`: client/dist/index.js (ESM, browser platform, openapi-fetch external) and
// index.d.ts with the generated types next to it, so client/ can be depended on as a package.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

mkdirSync('client/dist', { recursive: true });
await build({
  entryPoints: ['client/index.ts'],
  outfile: 'client/dist/index.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  external: ['openapi-fetch'],
  logLevel: 'warning',
});
// A browser bundle with openapi-fetch inside, for pages without a bundler.
await build({
  entryPoints: ['client/index.ts'],
  outfile: 'client/dist/browser.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'warning',
});
execFileSync(
  'node_modules/.bin/tsc',
  [
    'client/index.ts',
    '--declaration',
    '--emitDeclarationOnly',
    '--outDir',
    'client/dist/tmp',
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--target',
    'ES2022',
    '--lib',
    'ES2023,DOM',
    '--skipLibCheck',
    '--strict',
  ],
  { stdio: 'inherit' },
);
copyFileSync('generated/openapi.d.ts', 'client/dist/openapi.d.ts');
writeFileSync(
  'client/dist/index.d.ts',
  readFileSync('client/dist/tmp/index.d.ts', 'utf8').replaceAll('../generated/openapi.js', './openapi.js'),
);
rmSync('client/dist/tmp', { recursive: true, force: true });
console.log('client/dist: index.js, browser.js, index.d.ts, openapi.d.ts');
