// The breaking-change gate: it catches what breaks clients generated from the last release, and lets
// additive changes through. Run on copies of the bundled spec, and on a tagless clone, never on this one.
import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { breakingChanges, gateVerdict, requiredBump } from '../../scripts/breaking-changes.js';

type Json = Record<string, any>;
const spec = (): Json => JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));

describe('breaking-change gate', () => {
  it('When nothing changed, then it reports nothing', () => {
    expect(breakingChanges(spec(), spec())).toEqual([]);
  });

  it('When a response field is removed, then it is breaking', () => {
    const next = spec();
    delete next.components.schemas.AccessProfile.properties.tags;
    next.components.schemas.AccessProfile.required = next.components.schemas.AccessProfile.required.filter(
      (r: string) => r !== 'tags',
    );
    expect(breakingChanges(spec(), next)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/GET \/api\/access-profiles\/\{id\} 200\.access_profile\.tags: response field removed/),
      ]),
    );
  });

  it('When a required query parameter is added, then it is breaking', () => {
    const next = spec();
    next.paths['/api/access-profiles'].get.parameters.push({
      name: 'org',
      in: 'query',
      required: true,
      schema: { type: 'string' },
    });
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

  it('When the released version is 0.x, then a breaking change needs the next minor; from 1.0 the next major', () => {
    const next = spec();
    delete next.paths['/api/roles'];
    const at = (doc: Json, version: string) => ({ ...doc, info: { ...doc.info, version } });
    expect(requiredBump(at(spec(), '0.1.0'))).toBe('0.2.0');
    expect(gateVerdict(at(spec(), '0.1.0'), at(next, '0.1.1')).pass).toBe(false);
    expect(gateVerdict(at(spec(), '0.1.0'), at(next, '0.2.0')).pass).toBe(true);
    expect(requiredBump(at(spec(), '1.4.2'))).toBe('2.0.0');
    expect(gateVerdict(at(spec(), '1.4.2'), at(next, '1.5.0')).pass).toBe(false);
    expect(gateVerdict(at(spec(), '1.4.2'), at(next, '2.0.0')).pass).toBe(true);
  });
});

// `npm run check:breaking` as a CI checkout runs it: a `git clone --no-tags`, with this working tree's
// spec/ and scripts/ laid over it (so uncommitted work is what is tested) and node_modules linked.
describe('breaking-change gate in a tagless clone', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  let clone = '';
  const file = (rel: string) => join(clone, rel);
  const check = () => spawnSync('npm', ['run', '--silent', 'check:breaking'], { cwd: clone, encoding: 'utf8' });
  const tags = () => execFileSync('git', ['tag'], { cwd: clone, encoding: 'utf8' }).trim();
  /** Runs `change` on the clone's spec/, then the gate, then puts the files back. */
  const withChange = (files: string[], change: () => void) => {
    const saved = files.map((f) => [f, existsSync(file(f)) ? readFileSync(file(f), 'utf8') : null] as const);
    try {
      change();
      return check();
    } finally {
      for (const [f, text] of saved) if (text !== null) writeFileSync(file(f), text);
    }
  };
  const editYaml = (rel: string, edit: (doc: any) => void) => {
    const doc = parse(readFileSync(file(rel), 'utf8'));
    edit(doc);
    writeFileSync(file(rel), stringify(doc));
  };

  beforeAll(() => {
    clone = join(mkdtempSync(join(tmpdir(), 'ap-clone-')), 'repo');
    execFileSync('git', ['clone', '--quiet', '--no-tags', root, clone]);
    for (const dir of ['spec', 'scripts']) {
      rmSync(file(dir), { recursive: true, force: true });
      cpSync(join(root, dir), file(dir), { recursive: true });
    }
    cpSync(join(root, 'package.json'), file('package.json'));
    symlinkSync(join(root, 'node_modules'), file('node_modules'));
  }, 60_000);
  afterAll(() => {
    if (clone) rmSync(join(clone, '..'), { recursive: true, force: true });
  });

  it('When nothing or only an optional response field was added, then the check passes and creates no tag', () => {
    expect(tags()).toBe('');
    const same = check();
    expect(same.status, same.stderr).toBe(0);
    expect(same.stdout).toContain('No breaking change against the released');
    const additive = withChange(['spec/schemas/access-profiles.yaml'], () =>
      editYaml('spec/schemas/access-profiles.yaml', (d) => {
        d.AccessProfile.properties.owner = { type: ['string', 'null'] };
      }),
    );
    expect(additive.status, additive.stderr).toBe(0);
    expect(tags()).toBe('');
  }, 60_000);

  it('When an operation is removed, then the check fails naming it', () => {
    const r = withChange(['spec/openapi.yaml'], () =>
      editYaml('spec/openapi.yaml', (d) => {
        delete d.paths['/api/access-profiles/{id}/clone'];
      }),
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('POST /api/access-profiles/{id}/clone: operation removed');
    // The next breaking release after the released baseline: in 0.x the next minor.
    const [major, minor] = String(
      (JSON.parse(readFileSync(new URL('../../spec/released/openapi.json', import.meta.url), 'utf8')) as Json).info
        .version,
    )
      .split('.')
      .map(Number) as [number, number];
    expect(r.stderr).toContain(`must be at least ${major === 0 ? `0.${minor + 1}.0` : `${major + 1}.0.0`}`);
  }, 60_000);

  it('When a response field is removed, then the check fails naming it', () => {
    const r = withChange(['spec/schemas/access-profiles.yaml'], () =>
      editYaml('spec/schemas/access-profiles.yaml', (d) => {
        delete d.AccessProfile.properties.tags;
        d.AccessProfile.required = d.AccessProfile.required.filter((x: string) => x !== 'tags');
      }),
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/GET \/api\/access-profiles\/\{id\} 200\.access_profile\.tags: response field removed/);
    expect(tags()).toBe('');
  }, 60_000);

  it('When the baseline file is missing, then the check fails and says how to restore it', () => {
    const r = withChange(['spec/released/openapi.json'], () => unlinkSync(file('spec/released/openapi.json')));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('spec/released/openapi.json is missing');
    expect(tags()).toBe('');
  }, 60_000);
});
