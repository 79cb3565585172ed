// Runs once before any test file: builds the server (`npm run build`) for the whole run. The files that
// start it as a process (test/support/processes.ts) then share this build, instead of each rebuilding
// dist/ while other files' servers start from it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { cwd: root, stdio: 'inherit' });
  process.env.ACCESS_PROFILES_SERVER_BUILT = '1';
}
