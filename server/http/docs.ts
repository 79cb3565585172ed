// The contract for people and tools, without a key: the bundled spec and its HTML reference page,
// compressed and cacheable (a strong ETag of the content; revalidated after five minutes).
import compression from 'compression';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import { bundledSpecPath, type SpecDoc } from './spec-routes.js';

function cacheable(body: string, type: string): RequestHandler {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return (req, res) => {
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'public, max-age=300, must-revalidate');
    const given = req.headers['if-none-match'];
    if (given?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      res.status(304).end();
      return;
    }
    res.type(type).send(body);
  };
}

export function docsRouter(doc: SpecDoc, securityHeaders: { page: RequestHandler; spec: RequestHandler }): Router {
  const spec = JSON.stringify(doc);
  const page = readFileSync(join(dirname(bundledSpecPath), 'docs.html'), 'utf8');
  const router = Router({ strict: true, caseSensitive: true });
  router.get('/openapi.json', securityHeaders.spec, compression(), cacheable(spec, 'application/json'));
  router.get('/docs', securityHeaders.page, compression(), cacheable(page, 'text/html'));
  return router;
}
