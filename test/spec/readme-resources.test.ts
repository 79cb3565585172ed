// The README's "Where each resource lives" table is a map a newcomer follows: every file it names exists
// in its folder, and every spec path file and handler file is in it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const section = readme
  .split('### Where each resource lives')[1]!
  .split('\n\n')
  .find((b) => b.startsWith('|'))!;
const rows = section
  .split('\n')
  .slice(2)
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => [...cell.matchAll(/`([^`]+\.(?:ts|yaml))`/g)].map((m) => m[1]!)),
  );
const inFolders = (folders: string[], file: string) => folders.some((f) => existsSync(new URL(`${f}/${file}`, root)));
const COLUMNS: Array<{ name: string; folders: string[] }> = [
  { name: 'spec', folders: ['spec/paths', 'spec/schemas'] },
  { name: 'handlers', folders: ['server/http/handlers'] },
  { name: 'domain', folders: ['server/domain'] },
  { name: 'store', folders: ['server/store'] },
];

describe("the README's map of resources to files", () => {
  it("When the table is read, then every file it names exists in its column's folder", () => {
    expect(rows.length).toBeGreaterThanOrEqual(9);
    const missing = rows.flatMap((cells) =>
      COLUMNS.flatMap(({ name, folders }, i) =>
        (cells[i + 1] ?? []).filter((f) => !inFolders(folders, f)).map((f) => `${name}: ${f}`),
      ),
    );
    expect(missing).toEqual([]);
  });

  it('When the spec paths and the handlers are listed, then each file is in the table', () => {
    const named = (i: number) => new Set(rows.flatMap((cells) => cells[i] ?? []));
    const unlisted = [
      ...readdirSync(new URL('spec/paths', root)).filter((f) => !named(1).has(f)),
      ...readdirSync(new URL('server/http/handlers', root)).filter((f) => f !== 'index.ts' && !named(2).has(f)),
    ];
    expect(unlisted).toEqual([]);
  });
});
