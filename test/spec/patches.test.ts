// The dependency patches in patches/ are applied by the install (postinstall: patch-package), so CI runs
// the code the patches describe, not the upstream files.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('dependency patches', () => {
  it('When the project is installed, then express-openapi-validator caches its route matchers (the patch is applied)', () => {
    expect(readdirSync(new URL('../../patches/', import.meta.url))).toContain('express-openapi-validator+5.6.2.patch');
    const metadata = readFileSync(new URL('../../node_modules/express-openapi-validator/dist/middlewares/openapi.metadata.js', import.meta.url), 'utf8');
    expect(metadata).toContain('routeMatchers.get(matcherKey)');
  });
});
