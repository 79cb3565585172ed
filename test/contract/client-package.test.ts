// The client as a package: the built browser bundle (no Node imports) talks to the real server.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, suiteServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build-client.mjs'], { stdio: 'pipe' });
  t = await suiteServer();
}, 60_000);
afterAll(async () => t?.close());

describe('client package', () => {
  it('When the client is built, then its browser bundle has no Node-only import and its exports point at the build', () => {
    const bundle = readFileSync(new URL('../../client/dist/browser.js', import.meta.url), 'utf8');
    expect(bundle).not.toMatch(/from ["']node:|require\(["']/);
    const pkg = JSON.parse(readFileSync(new URL('../../client/package.json', import.meta.url), 'utf8'));
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(readFileSync(new URL('../../client/dist/index.d.ts', import.meta.url), 'utf8')).toContain(
      "from './openapi.js'",
    );
  });

  it('When the built bundle is used, then it creates, lists and reads profiles against the server', async () => {
    const mod = (await import(
      new URL('../../client/dist/browser.js', import.meta.url).href
    )) as typeof import('../../client/index.js');
    const api = mod.createAccessProfilesClient({ baseUrl: t.url, apiKey: t.adminKey, requestId: 'pkg-test' });
    const created = mod.unwrap(await api.POST('/api/access-profiles', { body: { name: `pkg-${Date.now()}` } }));
    const names: string[] = [];
    for await (const p of mod.paginate(api, '/api/access-profiles', {}, 2)) names.push(p.name);
    expect(names).toContain(created.access_profile.name);
    const missing = await api.GET('/api/access-profiles/{id}', { params: { path: { id: 987654 } } });
    expect(() => mod.unwrap(missing)).toThrow(mod.ApiError);
    expect(missing.response.headers.get('x-request-id')).toBe('pkg-test');
  });
});
