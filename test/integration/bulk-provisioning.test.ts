// Attaching a role to many members and propagating to many copies: every member gets exactly one copy
// and one key across the 500-row pages the store writes, and propagation runs one transaction per page
// (what an operator sees in the store metrics), not one per copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/processes.js';
import { createProfile, propagate, updateProfile } from '../support/profiles.js';
import { suiteServer, uniqueName, type TestServer } from '../support/server.js';

const MEMBERS = 501; // one more than a page
let t: TestServer;
let metricsPort: number;

beforeAll(async () => {
  metricsPort = await freePort();
  t = await suiteServer({ env: { METRICS_PORT: String(metricsPort) } });
});
afterAll(() => t.close());

async function storeTransactions(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const m = /store_operation_duration_seconds_count\{operation="transaction",outcome="ok"\} (\d+)/.exec(text);
  return Number(m?.[1] ?? 0);
}

describe('provisioning past one page', () => {
  it(`When a role of ${MEMBERS} members is attached and the template then propagated, then each member holds one copy with one key, and the propagation takes a transaction per page of 500`, async () => {
    const role = (await t.client.POST('/api/roles', { body: { name: uniqueName('bulk') } })).data!.role;
    const users = Array.from(
      { length: MEMBERS },
      (_, i) => `bulk-${String(i).padStart(4, '0')}-${role.id}@example.com`,
    );
    for (const id of users) {
      const created = await t.client.POST('/api/users', { body: { id, role_ids: [role.id] } });
      expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    }
    const template = await createProfile(t, { budgets: [{ max_limit: 100, reset_duration: '1M' }] });

    const attached = await t.client.POST('/api/access-profiles/{id}/roles', {
      params: { path: { id: template.id } },
      body: { role_ids: [role.id], apply_to_existing: true },
    });
    expect(attached.response.status, JSON.stringify(attached.error)).toBe(200);
    expect(attached.data!.users_applied).toBe(MEMBERS);
    // Members on both sides of the page boundary, and the last one.
    for (const userId of [users[0]!, users[499]!, users[500]!]) {
      const copies = await t.client.GET('/api/users/{user_id}/access-profiles', {
        params: { path: { user_id: userId } },
      });
      expect(copies.data!.access_profiles.map((c) => c.parent_profile_id)).toEqual([template.id]);
      const keys = Object.keys(copies.data!.access_profiles[0]!.virtual_key_values ?? {});
      expect(keys).toHaveLength(1);
    }
    const detail = await t.client.GET('/api/access-profiles/{id}', { params: { path: { id: template.id } } });
    expect(detail.data!.user_count).toBe(MEMBERS);

    const changed = await updateProfile(t, template.id, {
      budgets: [{ id: template.budgets[0]!.id, max_limit: 250, reset_duration: '1M' }],
    });
    expect(changed.response.status).toBe(200);
    const before = await storeTransactions();
    const result = await propagate(t, template.id, { fields: ['budgets'] });
    const transactions = (await storeTransactions()) - before;
    expect(result.data).toMatchObject({ affected_users: MEMBERS, failed_users: 0, skipped_users: 0 });
    // Two pages and the propagation's audit entry (one per copy would be over 500).
    expect(transactions).toBeLessThanOrEqual(4);
    const last = await t.client.GET('/api/users/{user_id}/access-profiles/{profile_id}', {
      params: { path: { user_id: users[500]!, profile_id: template.id } },
    });
    expect(last.data!.access_profile.budgets[0]).toMatchObject({ max_limit: 250 });
  });
});
