// The bundled spec as the breaking-change gate and `npm run release:spec` see it: spec/ through Redocly,
// the same bundle `npm run generate` writes (without its "generated" marker).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The last released bundled spec: the gate's baseline, written only by `npm run release:spec`. */
export const baselinePath = join(root, 'spec/released/openapi.json');

export function bundleSpec(): Record<string, any> {
  const dir = mkdtempSync(join(tmpdir(), 'ap-bundle-'));
  try {
    const out = join(dir, 'openapi.json');
    execFileSync(
      join(root, 'node_modules/.bin/redocly'),
      ['bundle', join(root, 'spec/openapi.yaml'), '-o', out, '--ext', 'json'],
      { stdio: 'pipe' },
    );
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
