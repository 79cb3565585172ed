// What browsers, axios, curl and Postman put in a query string or path for free text and e-mail
// addresses; every target (server, sandbox, mock) must accept all of them.
import { expect } from 'vitest';
import { createAccessProfilesClient } from '../../client/index.js';

/** Raw request targets as clients send them, with what each means. */
export const RAW_QUERIES = [
  ['/api/access-profiles?search=Team+1', 'space as + (URLSearchParams, axios, HTML forms)'],
  ['/api/access-profiles?search=Team%201', 'space as %20 (encodeURIComponent)'],
  ['/api/access-profiles?search=R%26D%20(EU)', '( ) left raw by encodeURIComponent'],
  ['/api/access-profiles?search=(draft)', 'raw ( ) as typed into curl'],
  ['/api/access-profiles?search=%C3%89quipe', 'non-ASCII, percent-encoded UTF-8'],
  ['/api/access-profiles/audit-logs?user_id=alice@example.com', 'raw @ as curl and Postman send an e-mail'],
  ['/api/users/alice@example.com/access-profiles', 'raw @ in a path'],
] as const;

/** Sends each raw form to `baseUrl` and expects a 2xx; then the same searches through the typed client. */
export async function expectEncodingsAccepted(baseUrl: string, apiKey: string): Promise<void> {
  for (const [target, what] of RAW_QUERIES) {
    const res = await fetch(`${baseUrl}${target}`, { headers: { Authorization: `Bearer ${apiKey}` } });
    expect(res.status, `${what}: ${target} → ${await res.clone().text()}`).toBeLessThan(300);
  }
  const api = createAccessProfilesClient({ baseUrl, apiKey });
  for (const search of ['Team 1', 'R&D (EU)', 'Équipe', 'a+b', '100% sure']) {
    const res = await api.GET('/api/access-profiles', { params: { query: { search } } });
    expect(res.response.status, `typed client search ${JSON.stringify(search)}: ${JSON.stringify(res.error)}`).toBe(
      200,
    );
  }
  const audit = await api.GET('/api/access-profiles/audit-logs', {
    params: { query: { user_id: 'alice@example.com' } },
  });
  expect(audit.response.status).toBe(200);
}
