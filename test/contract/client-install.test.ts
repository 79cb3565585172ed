// The client as a frontend team installs it: `npm pack` of client/, installed into a fresh project that
// has nothing else, type-checked there (a misspelt field is a compile error in their code too) and built
// with Vite.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string) => join(root, 'node_modules/.bin', name);
let dir: string;
let app: string;

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build-client.mjs'], { cwd: root, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'client-install-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(root, 'client'), encoding: 'utf8' }),
  ) as { filename: string }[];
  app = join(dir, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'frontend-app',
        private: true,
        type: 'module',
        dependencies: { '@access-profiles/client': `file:${join(dir, packed[0]!.filename)}` },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2023', 'DOM'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      include: ['src'],
    }),
  );
  writeFileSync(
    join(app, 'index.html'),
    '<!doctype html><html><body><ul id="profiles"></ul><script type="module" src="/src/main.ts"></script></body></html>\n',
  );
  writeFileSync(
    join(app, 'src/main.ts'),
    `import { createAccessProfilesClient, paginate, unwrap, ApiError } from '@access-profiles/client';

const api = createAccessProfilesClient({ baseUrl: location.origin, apiKey: 'key-from-the-login' });

export async function showProfiles(search: string): Promise<string[]> {
  const names: string[] = [];
  for await (const p of paginate(api, '/api/access-profiles', { query: { search } })) names.push(p.name);
  return names;
}

export async function create(name: string): Promise<number> {
  try {
    return unwrap(await api.POST('/api/access-profiles', { body: { name, budgets: [{ max_limit: 100, reset_duration: '1M' }] } })).access_profile.id;
  } catch (e) {
    if (e instanceof ApiError && e.code === 'access_profile_name_taken') return -1;
    throw e;
  }
}

// @ts-expect-error a misspelt body field is a compile error in the consumer's project
void api.POST('/api/access-profiles', { body: { name: 'x', bugdets: [] } });

void showProfiles('').then((names) => {
  document.getElementById('profiles')!.textContent = names.join(', ');
});
`,
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], {
    cwd: app,
    stdio: 'pipe',
  });
}, 180_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the client installed from npm pack', () => {
  it('When installed into a fresh project, then it brings only itself and openapi-fetch', () => {
    const installed = readdirSync(join(app, 'node_modules'))
      .filter((n) => !n.startsWith('.'))
      .flatMap((n) => (n.startsWith('@') ? readdirSync(join(app, 'node_modules', n)).map((m) => `${n}/${m}`) : [n]));
    expect(installed.sort()).toEqual(['@access-profiles/client', 'openapi-fetch', 'openapi-typescript-helpers']);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/@access-profiles/client/package.json'), 'utf8'));
    expect(readdirSync(join(app, 'node_modules/@access-profiles/client/dist')).sort()).toEqual([
      'browser.js',
      'index.d.ts',
      'index.js',
      'openapi.d.ts',
    ]);
    expect(pkg.version).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });

  it('When the project is type-checked, then its calls compile and the misspelt field is caught', () => {
    // Fails on an unused @ts-expect-error too: the typo must be an error in their project.
    execFileSync(bin('tsc'), ['-p', join(app, 'tsconfig.json')], { cwd: app, stdio: 'pipe' });
  });

  it('When the project is built with Vite, then the bundle holds the client', () => {
    execFileSync(bin('vite'), ['build', '--logLevel', 'error'], { cwd: app, stdio: 'pipe' });
    const assets = readdirSync(join(app, 'dist/assets')).filter((f) => f.endsWith('.js'));
    expect(assets).toHaveLength(1);
    const bundle = readFileSync(join(app, 'dist/assets', assets[0]!), 'utf8');
    expect(bundle).toContain('X-Request-Id');
    expect(bundle).toContain('/api/access-profiles');
  }, 60_000);
});
