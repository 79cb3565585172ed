// Runs once before any test file: builds the server (`npm run build`) for the whole run. The files that
// start it as a process (test/support/processes.ts) then share this build, instead of each rebuilding
// dist/ while other files' servers start from it.
import { buildOnce } from './processes.js';

export default function setup(): void {
  buildOnce();
  process.env.ACCESS_PROFILES_SERVER_BUILT = '1';
}
