// `npm run release:spec`: records the bundled spec/ as the released contract (spec/released/openapi.json),
// the baseline of `npm run check:breaking`. Run it when you release, and commit the file with the release.
// It refuses a release that breaks the previous one without the version bump the gate requires.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { gateVerdict, requiredBump } from './breaking-changes.js';
import { baselinePath, bundleSpec, root } from './spec-bundle.js';

const current = bundleSpec();
if (existsSync(baselinePath)) {
  const baseline = JSON.parse(readFileSync(baselinePath, 'utf8'));
  const { issues, pass } = gateVerdict(baseline, current);
  if (!pass) {
    console.error(
      `Not released: ${issues.length} breaking change(s) against ${baseline.info.version}; set info.version to at least ${requiredBump(baseline)} first.`,
    );
    process.exit(1);
  }
  if (baseline.info.version === current.info.version && JSON.stringify(baseline) !== JSON.stringify(current)) {
    console.error(`Not released: the spec changed but info.version is still ${current.info.version}; bump it first.`);
    process.exit(1);
  }
}
mkdirSync(dirname(baselinePath), { recursive: true });
writeFileSync(baselinePath, `${JSON.stringify(current, null, 2)}\n`);
console.log(`Released ${current.info.version}: ${relative(root, baselinePath)} written. Commit it with the release.`);
