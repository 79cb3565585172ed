// `npm run check:breaking`: the bundled spec/ against the last released bundle, spec/released/openapi.json
// (committed; written only by `npm run release:spec`). Reads no git history and creates no tags, so a
// tagless CI clone gets the same verdict as a developer's clone. A missing baseline is a failure.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { gateVerdict, requiredBump } from './breaking-changes.js';
import { baselinePath, bundleSpec, root } from './spec-bundle.js';

const where = relative(root, baselinePath);
if (!existsSync(baselinePath)) {
  console.error(
    `No baseline: ${where} is missing. It is the last released bundled spec and must be committed; restore it from git, or create it with \`npm run release:spec\`.`,
  );
  process.exit(1);
}
const baseline = JSON.parse(readFileSync(baselinePath, 'utf8'));
const current = bundleSpec();
const against = `the released ${baseline.info.version} (${where})`;

const { issues, bumped, pass } = gateVerdict(baseline, current);
const list = issues.map((i) => `  - ${i}`).join('\n');
if (!issues.length) {
  console.log(`No breaking change against ${against}.`);
} else if (pass && bumped) {
  console.log(
    `${issues.length} breaking change(s) against ${against}, allowed by the version bump to ${current.info.version}:\n${list}`,
  );
} else {
  console.error(
    `${issues.length} breaking change(s) against ${against}; info.version ${current.info.version} must be at least ${requiredBump(baseline)} to allow them:\n${list}`,
  );
  process.exit(1);
}
