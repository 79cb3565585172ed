// The API reference and the bundled spec are served by the server, without a key.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, suiteServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

describe('docs', () => {
  it('When /openapi.json is fetched without a key, then it is the bundled spec', async () => {
    const res = await fetch(`${t.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual(
      JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8')),
    );
  });

  it('When /docs is fetched without a key, then it is the self-contained HTML reference naming the operations', async () => {
    const res = await fetch(`${t.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('Access Profiles API');
    expect(html).toContain('Get access profile by ID');
    // a curl and a typed-client sample for every operation, made from the spec's examples
    const spec = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operationCount = Object.values(spec.paths).flatMap((item) =>
      ['get', 'post', 'put', 'delete'].filter((m) => item[m]),
    ).length;
    expect(html.match(/"label":"curl"/g)?.length).toBe(operationCount);
    expect(html.match(/"label":"typed client"/g)?.length).toBe(operationCount);
    expect(html).toContain("curl -X PUT 'http://127.0.0.1:8080/api/access-profiles/12/activate'");
    expect(html).toContain(
      "const result = unwrap(await api.PUT('/api/access-profiles/{id}/activate', { params: { path: { id: 12 } } }));",
    );
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });
});
