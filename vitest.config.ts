import { defineConfig } from 'vitest/config';

// The suites that talk to a store run twice when TEST_DATABASE_URL names a PostgreSQL server (CI
// sets it and fails when it is unreachable); without it they run on SQLite only, and say so.
const postgres = process.env.TEST_DATABASE_URL;
if (!postgres) console.warn('\n  PostgreSQL run skipped: TEST_DATABASE_URL is not set (CI sets it; see README).\n');

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The server is built once for the run (test/support/global-setup.ts).
    globalSetup: ['test/support/global-setup.ts'],
    // Two cores: few parallel files, so server processes and Prism do not starve each other.
    maxWorkers: 2,
    projects: [
      {
        extends: true as const,
        test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: ['test/postgres/**'] },
      },
      ...(postgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: [
                  'test/integration/**/*.test.ts',
                  'test/contract/server.test.ts',
                  'test/postgres/**/*.test.ts',
                ],
                env: { TEST_STORE: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
