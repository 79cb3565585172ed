// Automatic rotation of the virtual keys of a template's copies: the schedule set through the API with
// the vendor's rules, and the scheduled run, driven with a chosen clock against the real store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateDueKeys } from '../../server/domain/key-rotation.js';
import { hashSecret } from '../../server/domain/secrets.js';
import { decoded } from '../support/audit.js';
import { detailParams, expectEnvelope } from '../support/expect.js';
import { copyOf, createProfile, usersHoldingCopies } from '../support/profiles.js';
import { startTestServer, uniqueName, type TestServer, suiteServer } from '../support/server.js';

const HOUR_NS = 3_600_000_000_000;
const DAY_NS = 24 * HOUR_NS;
const DAY_MS = 86_400_000;

let t: TestServer;
beforeAll(async () => {
  // The server's own scheduler is off: these tests run the rotation with a clock of their choosing.
  t = await suiteServer({ env: { ROTATION_CHECK_MS: '0' } });
});
afterAll(async () => t?.close());

const get = async (id: number) =>
  (await t.client.GET('/api/access-profiles/{id}', { params: { path: { id } } })).data!.access_profile;
const put = (id: number, body: Record<string, unknown>) =>
  t.client.PUT('/api/access-profiles/{id}', { params: { path: { id } }, body: body as never });
const near = (iso: string | null, ms: number) => Math.abs(new Date(iso!).getTime() - ms) < 60_000;

describe('the rotation schedule', () => {
  it.each([
    ['30d', 30 * DAY_NS],
    ['12h', 12 * HOUR_NS],
    ['1h30m', 1.5 * HOUR_NS],
    ['90m', 1.5 * HOUR_NS],
    [String(2 * DAY_NS), null],
    [2 * DAY_NS, 2 * DAY_NS],
    ['365d', 365 * DAY_NS],
  ])(
    'When a profile is created with auto_rotation_interval %j, then it is stored in nanoseconds and the first rotation is due one interval from now',
    async (interval, ns) => {
      const res = await t.client.POST('/api/access-profiles', {
        body: { name: uniqueName('rot'), auto_rotation_interval: interval },
      });
      if (ns === null) {
        // a string of digits is neither a day count nor a duration: the vendor takes integers as JSON numbers
        expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toContain('auto_rotation_interval');
        return;
      }
      expect(res.response.status, JSON.stringify(res.error)).toBe(201);
      const p = res.data!.access_profile;
      expect(p.auto_rotation_interval).toBe(ns);
      expect(near(p.next_rotation_at, Date.now() + ns / 1e6)).toBe(true);
      expect(p.last_rotation_at).toBeNull();
    },
  );

  it('When a profile is created without rotation, or with "" or 0, then rotation is off', async () => {
    for (const body of [{}, { auto_rotation_interval: '' }, { auto_rotation_interval: 0 }]) {
      const p = (await t.client.POST('/api/access-profiles', { body: { name: uniqueName('off'), ...body } })).data!
        .access_profile;
      expect([p.auto_rotation_interval, p.next_rotation_at, p.last_rotation_at]).toEqual([0, null, null]);
    }
  });

  it.each([
    [{ auto_rotation_interval: '30m' }, 'auto_rotation_interval'],
    [{ auto_rotation_interval: '366d' }, 'auto_rotation_interval'],
    [{ auto_rotation_interval: 1 }, 'auto_rotation_interval'],
    [{ auto_rotation_interval: '2w' }, 'auto_rotation_interval'],
    [{ next_rotation_at: '2099-01-01T00:00:00Z' }, 'next_rotation_at'],
    [{ auto_rotation_interval: '1d', next_rotation_at: '2020-01-01T00:00:00Z' }, 'next_rotation_at'],
  ])('When a create asks for %j, then it answers 400 naming %s and creates nothing', async (body, param) => {
    const name = uniqueName('bad-rot');
    const res = await t.client.POST('/api/access-profiles', { body: { name, ...body } as never });
    expect(detailParams(expectEnvelope(res.error, 400, 'validation_failed'))).toContain(param);
    const listed = await t.client.GET('/api/access-profiles', { params: { query: { search: name } } });
    expect(listed.data!.total_count).toBe(0);
  });

  it('When the first rotation time is given, then it is used', async () => {
    const at = new Date(Date.now() + 3 * DAY_MS).toISOString();
    const p = (
      await t.client.POST('/api/access-profiles', {
        body: { name: uniqueName('first'), auto_rotation_interval: '7d', next_rotation_at: at },
      })
    ).data!.access_profile;
    expect(p.next_rotation_at).toBe(at);
    // null is the default on create, as omitting it is
    const q = (
      await t.client.POST('/api/access-profiles', {
        body: { name: uniqueName('first-null'), auto_rotation_interval: '7d', next_rotation_at: null },
      })
    ).data!.access_profile;
    expect(near(q.next_rotation_at, Date.now() + 7 * DAY_MS)).toBe(true);
  });

  it("When an update changes, keeps, moves or turns off the schedule, then the vendor's rules apply and each change is a new version", async () => {
    const p = (
      await t.client.POST('/api/access-profiles', { body: { name: uniqueName('upd'), auto_rotation_interval: '7d' } })
    ).data!.access_profile;
    // other fields only: the schedule is kept exactly
    const kept = (await put(p.id, { description: 'x' })).data!.access_profile;
    expect([kept.auto_rotation_interval, kept.next_rotation_at]).toEqual([
      p.auto_rotation_interval,
      p.next_rotation_at,
    ]);
    // the same interval again, or null: no change at all
    expect((await put(p.id, { auto_rotation_interval: '7d' })).data!.access_profile.version).toBe(kept.version);
    expect((await put(p.id, { auto_rotation_interval: null })).data!.access_profile.version).toBe(kept.version);
    // a new interval re-anchors to now + interval
    const changed = (await put(p.id, { auto_rotation_interval: '1d' })).data!.access_profile;
    expect(changed.auto_rotation_interval).toBe(DAY_NS);
    expect(near(changed.next_rotation_at, Date.now() + DAY_MS)).toBe(true);
    expect(changed.version).toBe(kept.version + 1);
    // the next rotation moved on its own
    const at = new Date(Date.now() + 5 * DAY_MS).toISOString();
    expect((await put(p.id, { next_rotation_at: at })).data!.access_profile.next_rotation_at).toBe(at);
    // clearing it while rotation is on is refused, and changes nothing
    const refused = await put(p.id, { next_rotation_at: null, description: 'not applied' });
    expect(detailParams(expectEnvelope(refused.error, 400, 'validation_failed'))).toEqual(['next_rotation_at']);
    expect((await get(p.id)).description).toBe('x');
    // off: interval 0 and no next rotation; the audit entry shows the change
    const off = (await put(p.id, { auto_rotation_interval: '', next_rotation_at: null })).data!.access_profile;
    expect([off.auto_rotation_interval, off.next_rotation_at]).toEqual([0, null]);
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: p.id }, query: { action: 'update', limit: 1 } },
    });
    expect(decoded(audit.data!.audit_logs[0]!)).toMatchObject({
      previous_values: { auto_rotation_interval: DAY_NS, next_rotation_at: at },
      new_values: { auto_rotation_interval: 0, next_rotation_at: null },
    });
  });

  it('When a profile with rotation is cloned, then the clone has the interval and its own schedule starting now', async () => {
    const p = (
      await t.client.POST('/api/access-profiles', {
        body: {
          name: uniqueName('src'),
          auto_rotation_interval: '2d',
          next_rotation_at: new Date(Date.now() + 9 * DAY_MS).toISOString(),
        },
      })
    ).data!.access_profile;
    const c = (
      await t.client.POST('/api/access-profiles/{id}/clone', {
        params: { path: { id: p.id } },
        body: { name: uniqueName('clone') },
      })
    ).data!.access_profile;
    expect(c.auto_rotation_interval).toBe(2 * DAY_NS);
    expect(near(c.next_rotation_at, Date.now() + 2 * DAY_MS)).toBe(true);
  });
});

describe('the scheduled rotation', () => {
  async function templateWithKeys() {
    const p = await createProfile(t, { auto_rotation_interval: '1d' } as never);
    const users = await usersHoldingCopies(t, p.id, 2);
    // a key whose secret the test knows (shown once at creation)
    const extra = (
      await t.client.POST('/api/users/{user_id}/virtual-keys', {
        params: { path: { user_id: users[0]! } },
        body: { name: uniqueName('known') },
      })
    ).data!.virtual_key;
    return { p, users, extra };
  }

  it("When a template's rotation is due, then every key of its copies gets a new secret under the same id, each is audited, and the schedule moves on by one interval", async () => {
    const { p, users, extra } = await templateWithKeys();
    const before = await Promise.all(users.map((u) => copyOf(t, u, p.id)));
    const versionBefore = (await get(p.id)).version;
    const due = new Date(new Date(p.next_rotation_at!).getTime() + 1000);

    const run = await rotateDueKeys(t.db, due);
    expect(run.keys).toBeGreaterThanOrEqual(3);
    expect(run.profiles).toBeGreaterThanOrEqual(1);
    const after = await Promise.all(users.map((u) => copyOf(t, u, p.id)));
    for (const [i, copy] of after.entries()) {
      expect(copy.virtual_key_ids).toEqual(before[i]!.virtual_key_ids);
      for (const id of copy.virtual_key_ids)
        expect(copy.virtual_key_values[id]).not.toBe(before[i]!.virtual_key_values[id]);
    }
    // the secret shown at creation no longer opens anything
    expect(await t.db.get('SELECT id FROM virtual_keys WHERE key_hash = ?', [hashSecret(extra.value)])).toBeUndefined();

    const profile = await get(p.id);
    expect(profile.last_rotation_at).toBe(due.toISOString());
    expect(profile.next_rotation_at).toBe(new Date(new Date(p.next_rotation_at!).getTime() + DAY_MS).toISOString());
    expect(profile.version).toBe(versionBefore); // a rotation is not a content change
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: p.id }, query: { limit: 20 } },
    });
    const entries = audit.data!.audit_logs.map(decoded);
    const perKey = entries.filter((e) => e.action === 'rotate_virtual_key');
    expect(perKey.map((e) => e.user_id).sort()).toEqual([users[0], users[0], users[1]].sort());
    expect(perKey.every((e) => e.actor === 'system (key rotation)')).toBe(true);
    expect(JSON.stringify(perKey)).not.toContain(extra.value); // never a secret in the log
    const summary = entries.find((e) => e.action === 'rotate_virtual_keys')!;
    expect(summary.metadata).toMatchObject({ rotated_keys: 3 });
    expect([summary.previous_values, summary.new_values]).toEqual([
      { next_rotation_at: p.next_rotation_at, last_rotation_at: null },
      { next_rotation_at: profile.next_rotation_at, last_rotation_at: due.toISOString() },
    ]);
    const known = perKey.find((e) => (e.new_values as { virtual_key_id: string }).virtual_key_id === extra.id)!;
    expect([known.previous_values, known.new_values, known.metadata]).toEqual([
      { virtual_key_id: extra.id, name: extra.name },
      { virtual_key_id: extra.id, name: extra.name },
      expect.objectContaining({ rotated_at: due.toISOString() }),
    ]);
  });

  it('When the run is repeated at the same time, then nothing is rotated twice', async () => {
    const { p } = await templateWithKeys();
    const due = new Date(new Date(p.next_rotation_at!).getTime() + 1000);
    await rotateDueKeys(t.db, due);
    const masked = (
      await t.client.GET('/api/users/{user_id}/access-profiles', {
        params: { path: { user_id: (await usersOf(p.id))[0]! } },
      })
    ).data!;
    const again = await rotateDueKeys(t.db, due);
    expect(again).toEqual({ profiles: 0, keys: 0 });
    const still = (
      await t.client.GET('/api/users/{user_id}/access-profiles', {
        params: { path: { user_id: (await usersOf(p.id))[0]! } },
      })
    ).data!;
    expect(still).toEqual(masked);
  });

  it('When the run comes late by several intervals, then the keys rotate once and the next rotation keeps the cadence', async () => {
    const { p } = await templateWithKeys();
    const late = new Date(new Date(p.next_rotation_at!).getTime() + 3.5 * DAY_MS);
    await rotateDueKeys(t.db, late);
    const profile = await get(p.id);
    expect(profile.next_rotation_at).toBe(new Date(new Date(p.next_rotation_at!).getTime() + 4 * DAY_MS).toISOString());
    const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
      params: { path: { id: p.id }, query: { action: 'rotate_virtual_keys' } },
    });
    expect(audit.data!.total_count).toBe(1);
  });

  it.each([1, 2])(
    'When the run comes exactly %i interval(s) late, then the next rotation is after that moment, so a repeat at the same moment rotates nothing',
    async (late) => {
      const { p } = await templateWithKeys();
      const at = new Date(new Date(p.next_rotation_at!).getTime() + late * DAY_MS);
      await rotateDueKeys(t.db, at);
      expect((await get(p.id)).next_rotation_at).toBe(new Date(at.getTime() + DAY_MS).toISOString());
      await rotateDueKeys(t.db, at);
      const audit = await t.client.GET('/api/access-profiles/{id}/audit-logs', {
        params: { path: { id: p.id }, query: { action: 'rotate_virtual_keys' } },
      });
      expect(audit.data!.total_count).toBe(1);
    },
  );

  it('When more templates are due than one batch holds, then the run goes on batch after batch until none is left', async () => {
    const due = [];
    for (let i = 0; i < 3; i++) due.push((await templateWithKeys()).p);
    const at = new Date(Math.max(...due.map((p) => new Date(p.next_rotation_at!).getTime())) + 1000);
    await rotateDueKeys(t.db, at, 1);
    for (const p of due) expect((await get(p.id)).last_rotation_at).toBe(at.toISOString());
  });

  it('When rotation is off or not yet due, then the run leaves the template and its keys alone', async () => {
    const off = await createProfile(t);
    const notDue = await createProfile(t, { auto_rotation_interval: '1d' } as never);
    const [u1] = await usersHoldingCopies(t, off.id, 1);
    const [u2] = await usersHoldingCopies(t, notDue.id, 1);
    const before = [await copyOf(t, u1!, off.id), await copyOf(t, u2!, notDue.id)];
    await rotateDueKeys(t.db, new Date(new Date(notDue.next_rotation_at!).getTime() - 1000));
    expect([await copyOf(t, u1!, off.id), await copyOf(t, u2!, notDue.id)]).toEqual(before);
    expect((await get(notDue.id)).last_rotation_at).toBeNull();
  });
});

async function usersOf(profileId: number): Promise<string[]> {
  const rows = await t.db.all<{ user_id: string }>(
    'SELECT user_id FROM user_access_profiles WHERE parent_profile_id = ? ORDER BY user_id',
    [profileId],
  );
  return rows.map((r) => r.user_id);
}

describe("the server's scheduler", () => {
  it('When a rotation falls due on a running server, then the server rotates it by itself within ROTATION_CHECK_MS', async () => {
    const s = await startTestServer({ env: { ROTATION_CHECK_MS: '100' } });
    try {
      const p = (
        await s.client.POST('/api/access-profiles', {
          body: { name: uniqueName('live'), auto_rotation_interval: '1h' },
        })
      ).data!.access_profile;
      // the schedule is made due by moving it into the past, as time passing would
      await s.db.run('UPDATE access_profiles SET next_rotation_at = ? WHERE id = ?', [
        new Date(Date.now() - 1000).toISOString(),
        p.id,
      ]);
      let last: string | null = null;
      for (let i = 0; i < 100 && !last; i++) {
        last = (await s.client.GET('/api/access-profiles/{id}', { params: { path: { id: p.id } } })).data!
          .access_profile.last_rotation_at;
        if (!last) await new Promise((r) => setTimeout(r, 50));
      }
      expect(last).not.toBeNull();
    } finally {
      await s.close();
    }
  });
});
