// The contract kit against the Prism mock, run as a real process: what frontend teams build on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../contract-kit/spec.js';
import { runContractKit, summaryOf } from '../support/contract-kit.js';
import { startPrism, type PrismProcess } from '../support/prism.js';
import { expectEncodingsAccepted } from '../support/query-encodings.js';

let prism: PrismProcess;
beforeAll(async () => {
  prism = await startPrism();
}, 60_000);
afterAll(async () => prism?.stop());

describe('contract kit against the Prism mock', () => {
  it('When the kit runs against the mock, then it detects the mock, says what it skips, and every operation passes', async () => {
    const run = await runContractKit(['--base-url', prism.baseUrl, '--api-key', 'any-key-works-on-the-mock']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('treating it as a stateless mock');
    expect(run.stdout).toContain('skipped on a mock: X-Request-Id echoes');
    // Every operation plus the invalid-request check; no cleanup on a mock.
    expect(summaryOf(run)).toEqual({ passed: operations.size + 1, failed: 0, skipped: 0 });
  }, 90_000);

  it('When free text and e-mail addresses are sent as browsers, axios, curl and Postman send them, then the mock accepts every form', async () => {
    await expectEncodingsAccepted(prism.baseUrl, 'any-key-works-on-the-mock');
  }, 60_000);

  it("When Prefer asks for an error status, then the mock answers that operation's own error (users get user_not_found), and example= picks any of its codes", async () => {
    const get = (path: string, prefer: string) =>
      fetch(`${prism.baseUrl}${path}`, { headers: { Authorization: 'Bearer any', Prefer: prefer } });
    const cases: [string, string, number, string][] = [
      ['/api/users/bob%40example.com', 'code=404', 404, 'user_not_found'],
      ['/api/api-keys/key_nope', 'code=404', 404, 'api_key_not_found'],
      ['/api/access-profiles/12', 'code=404', 404, 'access_profile_not_found'],
      ['/api/users/alice%40example.com/access-profiles/13', 'code=404', 404, 'user_access_profile_not_found'],
      ['/api/users/alice%40example.com/access-profiles/13', 'code=404, example=user_not_found', 404, 'user_not_found'],
    ];
    for (const [path, prefer, status, code] of cases) {
      const res = await get(path, prefer);
      expect([res.status, (await res.json()).error.code], `${path} with Prefer: ${prefer}`).toEqual([status, code]);
    }
  }, 60_000);

  it("When the README's mock commands are sent, then each answers as the README says (ids ignored, named examples, dynamic data)", async () => {
    const h = { Authorization: 'Bearer test' };
    const one = await (await fetch(`${prism.baseUrl}/api/access-profiles/1`, { headers: h })).json();
    const twelve = await (await fetch(`${prism.baseUrl}/api/access-profiles/12`, { headers: h })).json();
    expect(one).toEqual(twelve);
    const created = await fetch(`${prism.baseUrl}/api/access-profiles`, {
      method: 'POST',
      headers: { ...h, Prefer: 'example=created', 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'x' }),
    });
    expect([created.status, (await created.json()).access_profile.name]).toEqual([201, 'Data Science']);
    const dynamic = await fetch(`${prism.baseUrl}/api/roles`, { headers: { ...h, Prefer: 'dynamic=true' } });
    expect(dynamic.status).toBe(200);
    expect(Array.isArray((await dynamic.json()).roles)).toBe(true);
    expect((await fetch(`${prism.baseUrl}/api/roles`, { headers: { ...h, Prefer: 'example=minimal' } })).status).toBe(
      404,
    );
  }, 60_000);
});
