// The same contract suite against the real server (SQLite, or TEST_DATABASE_URL), directly and through
// `prism proxy`, which fails any request or response that violates the spec.
import { afterAll, beforeAll } from 'vitest';
import { startPrism, type PrismProcess } from '../support/prism.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { contractSuite } from './contract-suite.js';

let server: TestServer;
let proxy: PrismProcess;
beforeAll(async () => {
  server = await startTestServer();
  proxy = await startPrism(server.url);
}, 60_000);
afterAll(async () => {
  await proxy?.stop();
  await server?.close();
});

contractSuite('server', () => ({ kind: 'server', baseUrl: server.url, apiKey: server.adminKey }));
contractSuite('server behind prism proxy', () => ({ kind: 'server', baseUrl: proxy.baseUrl, apiKey: server.adminKey, viaProxy: true }));
