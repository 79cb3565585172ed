// `npm run check:breaking`: spec/ against the spec of the last release tag (v*). Breaking changes fail
// unless info.version's major was bumped. With no release tag yet, tags HEAD as v<info.version>.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gateVerdict } from './breaking-changes.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const redocly = join(root, 'node_modules/.bin/redocly');

function bundle(specDir: string): Record<string, unknown> {
  const out = join(mkdtempSync(join(tmpdir(), 'ap-breaking-')), 'openapi.json');
  execFileSync(redocly, ['bundle', join(specDir, 'openapi.yaml'), '-o', out, '--ext', 'json'], { stdio: 'pipe' });
  return JSON.parse(readFileSync(out, 'utf8'));
}

const current = bundle(join(root, 'spec'));
let tag = '';
try {
  tag = git('describe', '--tags', '--match', 'v*', '--abbrev=0');
} catch {
  const version = String((current.info as { version: string }).version);
  git('tag', `v${version}`); // lightweight: needs no git identity (CI clones have none)
  console.log(`No release tag yet: tagged HEAD as v${version}, the baseline for later changes.`);
  process.exit(0);
}

// The spec files as they were at the tag, bundled the same way.
const dir = mkdtempSync(join(tmpdir(), 'ap-baseline-'));
for (const file of git('ls-tree', '-r', '--name-only', tag, 'spec').split('\n').filter(Boolean)) {
  mkdirSync(join(dir, dirname(file)), { recursive: true });
  writeFileSync(join(dir, file), git('show', `${tag}:${file}`));
}
const baseline = bundle(join(dir, 'spec'));
rmSync(dir, { recursive: true, force: true });

const { issues, bumped, pass } = gateVerdict(baseline, current);
if (!issues.length) {
  console.log(`No breaking change against ${tag}.`);
} else if (pass && bumped) {
  console.log(`${issues.length} breaking change(s) against ${tag}, allowed by the version bump (major, or minor in 0.x):\n${issues.map((i) => `  - ${i}`).join('\n')}`);
} else {
  console.error(`${issues.length} breaking change(s) against ${tag} (bump the major of info.version, or the minor while it is 0.x, to allow them):\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  process.exit(1);
}
