// `npm run mutate`: Stryker over the domain and authentication, to find lines a wrong change would pass
// the suite with. Takes minutes, so it is not part of `npm test`; run it after changing server/domain or
// its tests. Only the SQLite suites that reach these files run (TEST_DATABASE_URL unset: sqlite project).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: ['server/domain/**/*.ts', 'server/http/auth.ts'],
  testFiles: [
    'test/domain/**/*.test.ts',
    'test/integration/key-rotation.test.ts',
    'test/integration/vendor-compat.test.ts',
    'test/integration/access-profiles.test.ts',
    'test/integration/api-keys.test.ts',
    'test/integration/calendar-alignment.test.ts',
    'test/integration/concurrency.test.ts',
    'test/integration/directory.test.ts',
    'test/integration/errors.test.ts',
    'test/integration/history.test.ts',
    'test/integration/lifecycle.test.ts',
    'test/integration/profile-updates.test.ts',
    'test/integration/transactions.test.ts',
    'test/integration/fresh-copies.test.ts',
    'test/integration/profile-rules.test.ts',
    'test/integration/propagation.test.ts',
    'test/integration/usage-windows.test.ts',
    'test/integration/user-copy.test.ts',
    'test/integration/template-lifecycle.test.ts',
    'test/integration/budget-overrides.test.ts',
    'test/integration/virtual-keys.test.ts',
    'test/integration/api-key-lifecycle.test.ts',
    'test/integration/directory-roles-users.test.ts',
    'test/integration/names.test.ts',
    'test/integration/role-attachments.test.ts',
  ],
  // Static mutants (module constants, and code run by a file's beforeAll such as server start and the
  // first admin key) rerun every suite per mutant: about half the run time for a tenth of the mutants.
  ignoreStatic: true,
  // Two cores, shared: two sandboxes at most.
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, reportScoreTable: true, reportMutants: false, logTests: false },
  tempDirName: '.stryker-tmp',
};
