// `npm run sandbox`: the real server on a throwaway in-memory store, seeded from the spec's examples,
// behind `prism proxy` so every request and response is checked against the contract.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAccessProfilesClient } from '../client/index.js';
import { loadConfig } from '../server/config.js';
import { startServer } from '../server/server.js';
import { StartupError } from '../server/startup-error.js';
import { seedFromExamples } from './sandbox-seed.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const adminKey = process.env.ADMIN_API_KEY || 'sandbox-admin-key';
const port = process.env.SANDBOX_PORT || '4011';
const serverPort = process.env.SANDBOX_SERVER_PORT || '4012';

function cannotStart(message: string): never {
  process.stderr.write(`sandbox cannot start: ${message}\n`);
  process.exit(2);
}

const server = await startServer(loadConfig({ ...process.env, DATABASE_URL: 'sqlite::memory:', ADMIN_API_KEY: adminKey, CORS_ORIGINS: '*', PORT: serverPort, HOST: '127.0.0.1', LOG_LEVEL: process.env.LOG_LEVEL || 'warn' }))
  .catch((e: Error) => cannotStart(e instanceof StartupError ? e.message.replace(/\bPORT\b/g, 'SANDBOX_SERVER_PORT') : e.message));
const seeded = await seedFromExamples(createAccessProfilesClient({ baseUrl: server.url, apiKey: adminKey }));

const prism = spawn(`${root}node_modules/.bin/prism`, ['proxy', 'generated/openapi.json', server.url, '-h', '127.0.0.1', '-p', port, '--errors'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
prism.stdout.on('data', (chunk: Buffer) => {
  const text = chunk.toString();
  // Contract violations are the point of the sandbox: make them impossible to miss.
  if (/violation|not valid|error/i.test(text)) process.stderr.write(`\n!!! CONTRACT VIOLATION !!!\n${text}\n`);
  else process.stdout.write(text);
});
// Prism failing to listen (SANDBOX_PORT taken) ends the sandbox too, with its reason.
let prismOutput = '';
prism.stdout.on('data', (chunk: Buffer) => (prismOutput = (prismOutput + chunk.toString()).slice(-2000)));
prism.once('exit', (code) => {
  if (stopping) return;
  void server.close();
  cannotStart(`SANDBOX_PORT: prism proxy on 127.0.0.1:${port} exited with ${code}${/EADDRINUSE|address already in use/i.test(prismOutput) ? ' (the port is already in use)' : ''}`);
});
process.stdout.write(`
  Sandbox: http://127.0.0.1:${port}  (the real server behind prism proxy; the server itself is on ${server.url})
  Admin key: ${adminKey}   e.g. curl -H 'Authorization: Bearer ${adminKey}' http://127.0.0.1:${port}/api/access-profiles
  Seeded from the spec's examples: profiles ${seeded.profiles.join(', ')}; role ${seeded.roles.join(', ')}; users ${seeded.users.join(', ')}.
  The store lives in memory: stop the sandbox and it is gone.
`);
let stopping = false;
const stop = () => {
  stopping = true;
  prism.kill('SIGTERM');
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
