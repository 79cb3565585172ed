// Type tests of the typed client, checked by `tsc` in `npm test` (an `@ts-expect-error` that stops
// erroring fails the type check): misspelt fields are compile errors, not silently sent.
import {
  ApiError,
  createAccessProfilesClient,
  paginate,
  versionSnapshot,
  type components,
} from '../../client/index.js';

const api = createAccessProfilesClient({ baseUrl: 'http://127.0.0.1:1' });

export async function typeTests(): Promise<void> {
  // A correct call compiles, and its data is typed.
  const created = await api.POST('/api/access-profiles', {
    body: { name: 'x', budgets: [{ max_limit: 1, reset_duration: '1M' }] },
  });
  const id: number | undefined = created.data?.access_profile.id;

  // @ts-expect-error a misspelt optional body field (bugdets) once the required ones are present
  await api.POST('/api/access-profiles', { body: { name: 'x', bugdets: [] } });
  // @ts-expect-error a misspelt field in an update body
  await api.PUT('/api/access-profiles/{id}', { params: { path: { id: 1 } }, body: { nmae: 'y' } });
  await api.POST('/api/access-profiles', {
    // @ts-expect-error a misspelt field inside a nested item
    body: { name: 'x', budgets: [{ max_limit: 1, reset_duration: '1M', resetDuration: '1M' }] },
  });
  // @ts-expect-error a misspelt query parameter
  await api.GET('/api/access-profiles', { params: { query: { serach: 'x' } } });
  // @ts-expect-error a wrong enum value
  await api.POST('/api/access-profiles', { body: { name: 'x', budgets: [{ max_limit: 1, reset_duration: '2d' }] } });
  // @ts-expect-error a path parameter is required
  await api.GET('/api/access-profiles/{id}', {});
  // @ts-expect-error a path the API does not have
  await api.GET('/api/access-profile');

  // paginate: the query is the list operation's own
  for await (const p of paginate(api, '/api/access-profiles', { query: { search: 'x', is_active: true } })) {
    const name: string = p.name;
    void name;
  }
  // @ts-expect-error a misspelt query parameter of paginate
  paginate(api, '/api/access-profiles', { query: { serach: 'x' } });

  // A version's snapshot reads as a typed profile.
  const v = await api.GET('/api/access-profiles/{id}/versions/{version}', { params: { path: { id: 1, version: 1 } } });
  if (v.data) {
    const snapshot: components['schemas']['AccessProfile'] = versionSnapshot(v.data.version);
    // @ts-expect-error the snapshot is typed: no such field
    void snapshot.nmae;
  }
  void id;

  // Error codes are an enum: a UI can switch on them exhaustively, and a misspelt code does not compile.
  const missing = await api.GET('/api/access-profiles/{id}', { params: { path: { id: 1 } } });
  if (missing.error) {
    const code: components['schemas']['ErrorCode'] = missing.error.error.code;
    // @ts-expect-error not a code of this API
    const typo: components['schemas']['NotFoundCode'] = 'acess_profile_not_found';
    void code;
    void typo;
  }
  const err = new ApiError(404, null);
  // @ts-expect-error ApiError.code is the enum (plus unknown_error), not any string
  if (err.code === 'profile_gone') return;
}
