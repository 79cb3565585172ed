// The contract for people and tools, without a key: the bundled spec and its HTML reference page.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import { bundledSpecPath } from './spec-routes.js';

export function docsRouter(securityHeaders: RequestHandler): Router {
  const spec = readFileSync(bundledSpecPath, 'utf8');
  const page = readFileSync(join(dirname(bundledSpecPath), 'docs.html'), 'utf8');
  const router = Router({ strict: true, caseSensitive: true });
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(spec);
  });
  router.get('/docs', securityHeaders, (_req, res) => {
    res.type('text/html').send(page);
  });
  return router;
}
