// Names people choose are stored in one canonical form and must be readable: every character that
// hides or reorders text is refused (both ends of each range), a name must show something, and the
// limit holds after normalisation — exactly at the limit is fine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '../support/expect.js';
import { storeCounts, uniqueName, type TestServer, suiteServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await suiteServer();
});
afterAll(async () => t?.close());

const createRole = (name: string) => t.client.POST('/api/roles', { body: { name } });

describe('characters that hide or reorder text', () => {
  it.each([
    ['a NUL-free C0 control (BEL)', 'a\u0007b'],
    ['a C1 control (NEL)', 'a\u0085b'],
    ['an Arabic letter mark', 'a\u061cb'],
    ['a left-to-right mark', 'a\u200eb'],
    ['a right-to-left mark', 'a\u200fb'],
    ['a left-to-right embedding', 'a\u202ab'],
    ['a right-to-left override', 'a\u202eb'],
    ['a left-to-right isolate', 'a\u2066b'],
    ['a pop directional isolate', 'a\u2069b'],
    ['an interlinear annotation anchor', 'a\ufff9b'],
    ['an interlinear annotation terminator', 'a\ufffbb'],
    ['a line separator', 'a\u2028b'],
    ['a paragraph separator', 'a\u2029b'],
  ])(
    'When a name holds %s, then it answers 400 naming name with the reason, and nothing is created',
    async (_label, name) => {
      const before = await storeCounts(t.db);
      const res = await createRole(`${uniqueName('r')}${name}`);
      const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
      expect(env.error.details).toEqual([
        { param: 'name', message: 'must not contain control characters, line separators or bidirectional overrides' },
      ]);
      expect(env.error.message).toBe(
        'Request validation failed: name must not contain control characters, line separators or bidirectional overrides.',
      );
      expect(await storeCounts(t.db)).toEqual(before);
    },
  );

  it.each([
    ['a zero-width joiner inside a word', 'a\u200db'],
    ['an accented letter', 'caf\u00e9'],
    ['a space inside', 'two words'],
    ['a character just after the isolates', 'a\u206ab'],
  ])('When a name holds %s, then it is accepted as sent', async (_label, name) => {
    const full = `${uniqueName('r')}${name}`;
    const res = await createRole(full);
    expect(res.response.status, JSON.stringify(res.error)).toBe(201);
    expect(res.data!.role.name).toBe(full.normalize('NFC'));
  });
});

describe('a name must show something', () => {
  it.each([
    ['a zero-width space', '\u200b'],
    ['a combining acute accent', '\u0301'],
    ['a Braille blank', '\u2800'],
    ['an ideographic space and a soft hyphen', '\u3000\u00ad'],
  ])('When a name is only %s, then it answers 400 saying it needs a visible character', async (_label, name) => {
    const res = await createRole(name);
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(env.error.details).toEqual([{ param: 'name', message: 'must contain a visible character' }]);
  });

  it('When a name has a visible character among invisible ones, then it is accepted, trimmed at both ends only', async () => {
    const res = await createRole(` \u200b${uniqueName('x')}\u2800y `);
    expect(res.response.status, JSON.stringify(res.error)).toBe(201);
    expect(res.data!.role.name.startsWith('\u200b')).toBe(true);
    expect(res.data!.role.name.endsWith('\u2800y')).toBe(true);
  });
});

describe('the limit after normalisation', () => {
  it('When a role name is exactly 100 characters, then it is accepted; when NFC makes it longer, it is refused naming the limit', async () => {
    const exact = `${uniqueName('r')}`.padEnd(100, 'x');
    const ok = await createRole(exact);
    expect(ok.response.status, JSON.stringify(ok.error)).toBe(201);
    expect(ok.data!.role.name).toBe(exact);
    const grown = await createRole('\u0958'.repeat(51));
    expect(expectEnvelope(grown.error, 400, 'validation_failed', grown.response).error.details).toEqual([
      { param: 'name', message: 'must NOT have more than 100 characters once normalised (NFC)' },
    ]);
  });

  it('When a profile name is exactly 255 characters, then it is accepted', async () => {
    const exact = uniqueName('p').padEnd(255, 'y');
    const res = await t.client.POST('/api/access-profiles', { body: { name: exact } });
    expect(res.response.status, JSON.stringify(res.error)).toBe(201);
    expect(res.data!.access_profile.name).toBe(exact);
  });

  it('When a user name is updated to one that grows past 255 under NFC, then it answers 400 and the name stays', async () => {
    const id = uniqueName('u');
    await t.client.POST('/api/users', { body: { id, name: 'Before' } });
    const res = await t.client.PUT('/api/users/{user_id}', {
      params: { path: { user_id: id } },
      body: { name: '\u0958'.repeat(200) },
    });
    expect(expectEnvelope(res.error, 400, 'validation_failed', res.response).error.param).toBe('name');
    expect((await t.client.GET('/api/users/{user_id}', { params: { path: { user_id: id } } })).data!.user.name).toBe(
      'Before',
    );
  });
});

describe('how a list of problems is summed up', () => {
  it('When a body breaks two rules, then the message names the first and counts one more problem', async () => {
    const res = await t.client.POST('/api/access-profiles', {
      body: { name: uniqueName(), rate_limit: { token_reset_duration: '1h' } },
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(env.error.details).toHaveLength(2);
    expect(env.error.param).toBe(env.error.details[0]!.param);
    expect(env.error.message).toBe(
      `Request validation failed: ${env.error.details[0]!.param} ${env.error.details[0]!.message} (and 1 more problem).`,
    );
  });

  it('When a body breaks three rules, then the message counts two more problems', async () => {
    const res = await t.client.POST('/api/access-profiles', {
      body: { name: uniqueName(), rate_limit: { token_reset_duration: '1h', request_reset_duration: '1d' } },
    });
    const env = expectEnvelope(res.error, 400, 'validation_failed', res.response);
    expect(env.error.details).toHaveLength(3);
    expect(env.error.message).toBe(
      `Request validation failed: ${env.error.details[0]!.param} ${env.error.details[0]!.message} (and 2 more problems).`,
    );
    expect(env.error.details_truncated).toBe(false);
  });

  it('When a body breaks exactly 20 rules, then all 20 are listed and counted; at 21 the list stops at 20 and says there are more', async () => {
    const unknownFields = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`extra_${String(i).padStart(2, '0')}`, i]));
    const before = await storeCounts(t.db);
    const twenty = await t.client.POST('/api/access-profiles', {
      body: { name: uniqueName(), ...unknownFields(20) } as never,
    });
    const env20 = expectEnvelope(twenty.error, 400, 'validation_failed', twenty.response);
    expect(env20.error.details).toHaveLength(20);
    expect(env20.error.details_truncated).toBe(false);
    expect(env20.error.message).toBe(
      `Request validation failed: ${env20.error.details[0]!.param} ${env20.error.details[0]!.message} (and 19 more problems).`,
    );
    const more = await t.client.POST('/api/access-profiles', {
      body: { name: uniqueName(), ...unknownFields(21) } as never,
    });
    const env21 = expectEnvelope(more.error, 400, 'validation_failed', more.response);
    expect(env21.error.details).toHaveLength(20);
    expect(env21.error.details_truncated).toBe(true);
    expect(env21.error.message).toBe(
      `Request validation failed: ${env21.error.details[0]!.param} ${env21.error.details[0]!.message} (and more problems).`,
    );
    expect(await storeCounts(t.db)).toEqual(before);
  });
});
