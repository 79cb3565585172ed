// The bench's baselines, each in its own process as our server is: the same get-by-id answer served as a
// constant by `node:http`, by Express 5, and by Express 5 behind express-openapi-validator configured as
// our server configures it (`specValidator`), so the bench can tell the validator's cost from ours.
//   node --import tsx bench/baseline-server.ts <http|express|express-validator> <port> <body-file>
import express from 'express';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { specValidator } from '../server/http/request-checks.js';
import { loadSpec } from '../server/http/spec-routes.js';

const [mode, portArg, bodyFile] = process.argv.slice(2);
if (!mode || !portArg || !bodyFile)
  throw new Error('usage: baseline-server.ts <http|express|express-validator> <port> <body-file>');
const body = readFileSync(bodyFile, 'utf8');
const port = Number(portArg);

function listening(server: ReturnType<typeof createServer>): void {
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => console.log(`baseline ${mode} listening on ${port}`));
}

if (mode === 'http') {
  listening(
    createServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    }),
  );
} else if (mode === 'express' || mode === 'express-validator') {
  const app = express();
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('strict routing', true);
  app.set('case sensitive routing', true);
  let loaded: Promise<void> = Promise.resolve();
  if (mode === 'express-validator') {
    const logger = pino({ level: 'warn' });
    const validator = specValidator(loadSpec(), { validateRequests: true, validateResponses: true }, logger);
    app.use(validator);
    // As our server does: listen once every validator is built, so the run measures requests only.
    loaded = validator.loaded;
  }
  const parsed: unknown = JSON.parse(body);
  // res.json, as our handlers answer: the response validator inspects what res.json is given.
  app.get('/api/access-profiles/:id', (_req, res) => void res.json(parsed));
  app.use(
    (
      err: { status?: number; message: string },
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      res.status(err.status ?? 500).json({ error: err.message });
    },
  );
  loaded.then(
    () => listening(createServer(app)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  throw new Error(`unknown baseline ${mode}`);
}

// Stopped by the bench with SIGTERM: exit normally (a --cpu-prof run then writes its profile).
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
