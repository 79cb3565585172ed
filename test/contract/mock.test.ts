// The contract suite against the Prism mock, run as a real process: what frontend teams build on.
import { afterAll, beforeAll } from 'vitest';
import { startPrism, type PrismProcess } from '../support/prism.js';
import { contractSuite } from './contract-suite.js';

let prism: PrismProcess;
beforeAll(async () => {
  prism = await startPrism();
}, 60_000);
afterAll(async () => prism?.stop());

contractSuite('Prism mock', () => ({ kind: 'mock', baseUrl: prism.baseUrl, apiKey: 'any-key-works-on-the-mock' }));
