// The breaking-change gate: it catches what breaks clients generated from the last release, and lets
// additive changes through. Run on copies of the bundled spec, never on the real one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { breakingChanges, gateVerdict } from '../../scripts/breaking-changes.js';

type Json = Record<string, any>;
const spec = (): Json => JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));

describe('breaking-change gate', () => {
  it('When nothing changed, then it reports nothing', () => {
    expect(breakingChanges(spec(), spec())).toEqual([]);
  });

  it('When a response field is removed, then it is breaking', () => {
    const next = spec();
    delete next.components.schemas.AccessProfile.properties.tags;
    next.components.schemas.AccessProfile.required = next.components.schemas.AccessProfile.required.filter((r: string) => r !== 'tags');
    expect(breakingChanges(spec(), next)).toEqual(expect.arrayContaining([expect.stringMatching(/GET \/api\/access-profiles\/\{id\} 200\.access_profile\.tags: response field removed/)]));
  });

  it('When a required query parameter is added, then it is breaking', () => {
    const next = spec();
    next.paths['/api/access-profiles'].get.parameters.push({ name: 'org', in: 'query', required: true, schema: { type: 'string' } });
    expect(breakingChanges(spec(), next)).toContain('GET /api/access-profiles: new required query parameter org');
  });

  it('When an operation is removed, a request field becomes required or an enum value is dropped, then each is breaking', () => {
    const next = spec();
    delete next.paths['/api/access-profiles/{id}/clone'];
    next.components.schemas.AccessProfileCreate.required.push('description');
    next.components.schemas.BudgetResetDuration.enum = ['1d', '1w', '1M', '1Q', '1Y'];
    const issues = breakingChanges(spec(), next);
    expect(issues).toContain('POST /api/access-profiles/{id}/clone: operation removed');
    expect(issues).toContain('POST /api/access-profiles body.description: new required request field');
    expect(issues.some((i) => /reset_duration: request no longer accepts 1h/.test(i))).toBe(true);
  });

  it('When an optional request field and a response field are added, then it is not breaking', () => {
    const next = spec();
    next.components.schemas.AccessProfileCreate.properties.owner = { type: 'string' };
    next.components.schemas.AccessProfile.properties.owner = { type: ['string', 'null'] };
    next.paths['/api/access-profiles'].get.parameters.push({ name: 'owner', in: 'query', schema: { type: 'string' } });
    expect(breakingChanges(spec(), next)).toEqual([]);
  });

  it('When a breaking change comes without a major bump, then the gate fails; with the bump it passes', () => {
    const next = spec();
    delete next.paths['/api/roles'];
    expect(gateVerdict(spec(), next)).toMatchObject({ pass: false, bumped: false });
    next.info.version = '1.0.0';
    expect(gateVerdict(spec(), next)).toMatchObject({ pass: true, bumped: true });
    expect(gateVerdict(spec(), next).issues).toContain('GET /api/roles: operation removed');
  });
});
