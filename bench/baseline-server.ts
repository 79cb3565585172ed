// The bench's baselines, each in its own process as our server is: the same get-by-id answer served as a
// constant by `node:http`, by Express 5, and by Express 5 behind express-openapi-validator configured as
// our server configures it (`specValidator`), so the bench can tell the validator's cost from ours.
// `express-validator-store` is the least a real get-by-id does on top of that: the Bearer key's SHA-256
// looked up, then the profile (with its holder count) and its roles read from the SQLite file the bench
// seeded, the content parsed and the answer built, with no other middleware.
//   node --import tsx bench/baseline-server.ts <http|express|express-validator> <port> <body-file>
//   node --import tsx bench/baseline-server.ts express-validator-store <port> <body-file> <sqlite-file>
import BetterSqlite3 from 'better-sqlite3';
import express from 'express';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { specValidator } from '../server/http/request-checks.js';
import { loadSpec } from '../server/http/spec-routes.js';
import { HOLDERS_OF_TEMPLATE } from '../server/store/user-access-profiles.js';

const [mode, portArg, bodyFile, sqliteFile] = process.argv.slice(2);
if (!mode || !portArg || !bodyFile || (mode === 'express-validator-store' && !sqliteFile))
  throw new Error(
    'usage: baseline-server.ts <http|express|express-validator|express-validator-store> <port> <body-file> [sqlite-file]',
  );
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
} else if (mode === 'express' || mode === 'express-validator' || mode === 'express-validator-store') {
  const app = express();
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('strict routing', true);
  app.set('case sensitive routing', true);
  let loaded: Promise<void> = Promise.resolve();
  if (mode !== 'express') {
    const logger = pino({ level: 'warn' });
    const validator = specValidator(loadSpec(), { validateRequests: true, validateResponses: true }, logger);
    app.use(validator);
    // As our server does: listen once every validator is built, so the run measures requests only.
    loaded = validator.loaded;
  }
  const parsed: unknown = JSON.parse(body);
  // res.json, as our handlers answer: the response validator inspects what res.json is given.
  app.get(
    '/api/access-profiles/:id',
    mode === 'express-validator-store' ? readFromStore(sqliteFile!) : (_req, res) => void res.json(parsed),
  );
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

/** The least of a real get-by-id: authenticate the key by its hash, read the profile and its roles. */
function readFromStore(file: string): express.RequestHandler {
  const db = new BetterSqlite3(file, { readonly: true });
  const keyByHash = db.prepare('SELECT * FROM api_keys WHERE key_hash = ?');
  const profile = db.prepare(
    `SELECT p.*, (${HOLDERS_OF_TEMPLATE}) AS holder_count FROM access_profiles p WHERE p.id = ?`,
  );
  const roles = db.prepare(
    'SELECT pr.*, r.name AS role_name FROM profile_roles pr JOIN roles r ON r.id = pr.role_id WHERE pr.access_profile_id = ? ORDER BY pr.id',
  );
  type Row = Record<string, unknown> & { content: string; is_active: number; holder_count: number };
  return (req, res) => {
    const token = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const key = keyByHash.get(createHash('sha256').update(token).digest('hex')) as { scopes: string } | undefined;
    if (!key || !new Set(JSON.parse(key.scopes) as string[]).has('AccessProfiles:View'))
      return void res.sendStatus(401);
    const id = Number(req.params.id);
    const row = profile.get(id, id) as Row | undefined;
    if (!row) return void res.sendStatus(404);
    const { id: _, name, description, is_active, version, content, created_at, updated_at } = row;
    res.json({
      access_profile: {
        id,
        name,
        description,
        is_active: is_active === 1,
        version,
        ...(JSON.parse(content) as object),
        auto_rotation_interval: 0,
        next_rotation_at: null,
        last_rotation_at: null,
        created_at,
        updated_at,
      },
      roles: (roles.all(id) as Array<Record<string, unknown>>).map((r) => ({ ...r, is_default: r.is_default === 1 })),
      user_count: row.holder_count,
    });
  };
}

// Stopped by the bench with SIGTERM: exit normally (a --cpu-prof run then writes its profile).
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
