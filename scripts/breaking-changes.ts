// Breaking changes between two bundled OpenAPI 3.1 documents, as a client generated from the old one
// would meet them: removed operations, new required inputs, narrowed request schemas, removed or
// loosened response fields, removed success statuses. (openapi-diff on npm does not read 3.1.)
type Json = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const;

function resolver(doc: Json) {
  return (s: Json | undefined): Json | undefined => {
    let cur = s;
    for (let i = 0; cur?.$ref && i < 20; i++)
      cur = cur.$ref
        .split('/')
        .slice(1)
        .reduce((a: Json, k: string) => a?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    return cur;
  };
}

function typesOf(s: Json | undefined, deref: (s: Json | undefined) => Json | undefined): Set<string> {
  const schema = deref(s);
  if (!schema) return new Set();
  if (schema.oneOf || schema.anyOf)
    return new Set([...(schema.oneOf ?? schema.anyOf)].flatMap((x: Json) => [...typesOf(x, deref)]));
  if (schema.const === null) return new Set(['null']);
  const t = schema.type;
  return new Set(t === undefined ? ['any'] : Array.isArray(t) ? t : [t]);
}

function compareSchema(
  oldS: Json | undefined,
  newS: Json | undefined,
  mode: 'request' | 'response',
  where: string,
  issues: string[],
  od: (s?: Json) => Json | undefined,
  nd: (s?: Json) => Json | undefined,
  depth = 0,
): void {
  const o = od(oldS);
  const n = nd(newS);
  if (!o || !n || depth > 12) return;
  const ot = typesOf(o, od);
  const nt = typesOf(n, nd);
  if (!ot.has('any') && !nt.has('any')) {
    const lost = [...ot].filter((t) => !nt.has(t) && !(t === 'integer' && nt.has('number')));
    const gained = [...nt].filter((t) => !ot.has(t) && !(t === 'integer' && ot.has('number')));
    if (mode === 'request' && lost.length) issues.push(`${where}: request no longer accepts type ${lost.join(', ')}`);
    if (mode === 'response' && gained.length) issues.push(`${where}: response may now be of type ${gained.join(', ')}`);
  }
  if (Array.isArray(o.enum) && Array.isArray(n.enum)) {
    if (mode === 'request') {
      const removed = o.enum.filter((v: unknown) => !n.enum.includes(v));
      if (removed.length) issues.push(`${where}: request no longer accepts ${removed.join(', ')}`);
    } else {
      const added = n.enum.filter((v: unknown) => !o.enum.includes(v));
      if (added.length) issues.push(`${where}: response may now hold the new value(s) ${added.join(', ')}`);
    }
  } else if (mode === 'request' && !Array.isArray(o.enum) && Array.isArray(n.enum))
    issues.push(`${where}: request values are now restricted to ${n.enum.join(', ')}`);
  if (mode === 'request') {
    const tighter = (k: string, narrower: (a: number, b: number) => boolean) => {
      if (typeof n[k] === 'number' && (typeof o[k] !== 'number' || narrower(n[k], o[k])))
        issues.push(`${where}: ${k} narrowed to ${n[k]}`);
    };
    tighter('maxLength', (a, b) => a < b);
    tighter('maxItems', (a, b) => a < b);
    tighter('maximum', (a, b) => a < b);
    tighter('minLength', (a, b) => a > b);
    tighter('minItems', (a, b) => a > b);
    tighter('minimum', (a, b) => a > b);
  }
  const oProps: Json = o.properties ?? {};
  const nProps: Json = n.properties ?? {};
  const oReq = new Set<string>(o.required ?? []);
  const nReq = new Set<string>(n.required ?? []);
  if (mode === 'request') {
    for (const r of nReq) if (!oReq.has(r)) issues.push(`${where}.${r}: new required request field`);
    if (n.additionalProperties === false)
      for (const p of Object.keys(oProps))
        if (!(p in nProps)) issues.push(`${where}.${p}: request field removed (now refused)`);
  } else {
    for (const p of Object.keys(oProps)) if (!(p in nProps)) issues.push(`${where}.${p}: response field removed`);
    for (const r of oReq)
      if (!nReq.has(r) && r in nProps) issues.push(`${where}.${r}: response field no longer always present`);
  }
  for (const p of Object.keys(oProps))
    if (p in nProps) compareSchema(oProps[p], nProps[p], mode, `${where}.${p}`, issues, od, nd, depth + 1);
  if (o.items && n.items) compareSchema(o.items, n.items, mode, `${where}[]`, issues, od, nd, depth + 1);
}

export function breakingChanges(oldDoc: Json, newDoc: Json): string[] {
  const issues: string[] = [];
  const od = resolver(oldDoc);
  const nd = resolver(newDoc);
  for (const [path, oldItem] of Object.entries(oldDoc.paths ?? {}) as [string, Json][]) {
    const newItem = newDoc.paths?.[path] as Json | undefined;
    for (const m of METHODS) {
      const oldOp = oldItem[m];
      if (!oldOp) continue;
      const op = `${m.toUpperCase()} ${path}`;
      const newOp = newItem?.[m];
      if (!newOp) {
        issues.push(`${op}: operation removed`);
        continue;
      }
      const params = (item: Json, o: Json, d: (s?: Json) => Json | undefined) =>
        [...(item.parameters ?? []), ...(o.parameters ?? [])].map((p: Json) => d(p)!);
      const oldParams = params(oldItem, oldOp, od);
      for (const p of params(newItem!, newOp, nd)) {
        const before = oldParams.find((q) => q.name === p.name && q.in === p.in);
        if (p.required && !before?.required)
          issues.push(`${op}: ${before ? '' : 'new '}required ${p.in} parameter ${p.name}`);
        if (before) compareSchema(before.schema, p.schema, 'request', `${op} ${p.in} ${p.name}`, issues, od, nd);
      }
      const oldBody = od(oldOp.requestBody)?.content?.['application/json']?.schema;
      const newBodyObj = nd(newOp.requestBody);
      if (newBodyObj?.required && !od(oldOp.requestBody)?.required) issues.push(`${op}: request body now required`);
      compareSchema(
        oldBody,
        newBodyObj?.content?.['application/json']?.schema,
        'request',
        `${op} body`,
        issues,
        od,
        nd,
      );
      for (const [status, oldRes] of Object.entries(oldOp.responses ?? {}) as [string, Json][]) {
        if (!status.startsWith('2')) continue;
        const newRes = newOp.responses?.[status];
        if (!newRes) {
          issues.push(`${op}: success response ${status} removed`);
          continue;
        }
        compareSchema(
          od(oldRes)?.content?.['application/json']?.schema,
          nd(newRes)?.content?.['application/json']?.schema,
          'response',
          `${op} ${status}`,
          issues,
          od,
          nd,
        );
      }
    }
  }
  return [...new Set(issues)];
}

const versionOf = (doc: Json): [number, number] => {
  const [major = '0', minor = '0'] = String(doc.info?.version ?? '0.0.0').split('.');
  return [Number.parseInt(major, 10) || 0, Number.parseInt(minor, 10) || 0];
};

/**
 * The smallest info.version that may break `baseline`. Semver: from 1.0.0 a breaking change needs a new
 * major; in 0.x the minor is the breaking position (npm's ^0.1.0 does not accept 0.2.0), so 0.1.x -> 0.2.0.
 */
export function requiredBump(baseline: Json): string {
  const [major, minor] = versionOf(baseline);
  return major === 0 ? `0.${minor + 1}.0` : `${major + 1}.0.0`;
}

/** Whether `current`'s version is at least the bump that allows breaking `baseline`. */
export function breakingBumped(baseline: Json, current: Json): boolean {
  const [needMajor, needMinor] = versionOf({ info: { version: requiredBump(baseline) } });
  const [major, minor] = versionOf(current);
  return major > needMajor || (major === needMajor && minor >= needMinor);
}

/** The gate's decision: breaking changes pass only with the bump requiredBump names. */
export function gateVerdict(baseline: Json, current: Json): { issues: string[]; pass: boolean; bumped: boolean } {
  const issues = breakingChanges(baseline, current);
  const bumped = breakingBumped(baseline, current);
  return { issues, bumped, pass: issues.length === 0 || bumped };
}
