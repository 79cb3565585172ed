// `access-profiles-contract`: the contract suite as a command for any team's CI.
// Exit codes: 0 every check passed, 1 a contract violation, 2 bad usage, an unreachable target or a refused key.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { junitXml } from './junit.js';
import { looksLikeMock, runContract, SKIPPED_ON_MOCK, type StepResult } from './suite.js';

const USAGE = `Usage: access-profiles-contract --base-url URL --api-key KEY [options]

Checks a running Access Profiles API against its OpenAPI contract: every operation in a life-cycle
order (status, documented headers, body), on data it creates under a unique prefix and removes after.

Options:
  --base-url URL     the API to check (required), e.g. http://127.0.0.1:8080
  --api-key KEY      an admin key (required; or ACCESS_PROFILES_API_KEY); --read-only needs view scopes only
  --read-only        call only the reads (GET), on data the target already has; creates nothing
  --mock             the target is a stateless mock (Prism); detected when it accepts any key
  --prefix P         name prefix of the data the suite creates (default contract-<random>)
  --junit FILE       also write a JUnit XML report to FILE
  -h, --help         this text

Exit codes: 0 all passed, 1 a contract violation, 2 bad usage, target unreachable or key refused.`;

function usageError(message: string): never {
  console.error(`access-profiles-contract: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let args: ReturnType<typeof parseCommandLine>;
try {
  args = parseCommandLine();
} catch (e) {
  usageError((e as Error).message);
}

function parseCommandLine() {
  return parseArgs({
    options: {
      'base-url': { type: 'string' },
      'api-key': { type: 'string' },
      'read-only': { type: 'boolean' },
      mock: { type: 'boolean' },
      prefix: { type: 'string' },
      junit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const baseUrl = args['base-url']?.replace(/\/+$/, '');
const apiKey = args['api-key'] ?? process.env.ACCESS_PROFILES_API_KEY;
if (!baseUrl) usageError('--base-url is required');
if (!/^https?:\/\/[^/]/.test(baseUrl)) usageError(`--base-url must be an http(s) URL, not ${JSON.stringify(baseUrl)}`);
if (!apiKey) usageError('--api-key (or ACCESS_PROFILES_API_KEY) is required');
if (args.prefix !== undefined && !/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(args.prefix))
  usageError('--prefix must be 1-64 letters, digits, spaces, dots, dashes or underscores');

try {
  await fetch(`${baseUrl}/health`);
} catch (e) {
  console.error(`access-profiles-contract: cannot reach ${baseUrl}: ${(e as Error).cause ?? (e as Error).message}`);
  process.exit(2);
}

const probe = await fetch(`${baseUrl}/api/access-profiles?limit=1`, { headers: { Authorization: `Bearer ${apiKey}` } });
if (probe.status === 401) {
  console.error(`access-profiles-contract: ${baseUrl} refused the API key (401); pass a key it knows.`);
  process.exit(2);
}

let mock = Boolean(args.mock);
if (!mock && (await looksLikeMock(baseUrl))) {
  mock = true;
  console.log('The target accepts any API key: treating it as a stateless mock (as with --mock).');
}
const readOnly = Boolean(args['read-only']);
console.log(`Contract check of ${baseUrl}${readOnly ? ' (read-only)' : ''}${mock ? ' (mock)' : ''}`);
if (mock) console.log(`  skipped on a mock: ${SKIPPED_ON_MOCK.join('; ')}`);

const mark = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' } as const;
const progress = (r: StepResult) => {
  console.log(`  ${mark[r.outcome]} ${r.name}${r.outcome === 'skipped' ? ` (${r.reason})` : ` ${r.ms} ms`}`);
  for (const p of r.problems) console.log(`         ${r.name}: ${p}`);
};
const report = await runContract({
  baseUrl,
  apiKey,
  readOnly,
  mock,
  ...(args.prefix ? { prefix: args.prefix } : {}),
  onResult: progress,
});

if (args.junit) writeFileSync(args.junit, junitXml(report, baseUrl));
const failures = report.results.filter((r) => r.outcome === 'failed');
if (failures.length) {
  console.log('\nViolations:');
  for (const r of failures) for (const p of r.problems) console.log(`  ${r.name}: ${p}`);
}
const created = readOnly || mock ? '' : ` (data prefix ${report.prefix})`;
console.log(
  `\n${report.passed} passed, ${report.failed} failed${report.skipped ? `, ${report.skipped} skipped` : ''}${created}`,
);
process.exit(report.failed ? 1 : 0);
