// Rule packs: metadata validated against the shipped schema with located problems (file, JSON path), several packs
// loaded together, ids and alert types unique across them, modes, the plans derived from the metadata.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPackDirs, loadRulePacks, RuleLoadError, type PackProblem } from '../../lambda/packs/loader';
import { STATEFUL_PACK } from '../support/stateful';

const tmp = mkdtempSync(join(tmpdir(), 'fdr-packs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A pack directory holding the given rules (`<name>.json` metadata objects and `<name>.cql` sources). */
function pack(rules: Record<string, { meta: Record<string, unknown>; cql?: string }>): string {
  const dir = join(tmp, `pack-${n++}`);
  cpSync(STATEFUL_PACK, dir, { recursive: true, filter: (src) => src === STATEFUL_PACK });
  for (const [name, r] of Object.entries(rules)) {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ query: `${name}.cql`, samples: `${name}.samples.json`, ...r.meta }, null, 2));
    writeFileSync(join(dir, `${name}.cql`), r.cql ?? '#event_simpleName=ProcessRollup2 | FileName=/psexec/i | alert_type := "X"');
  }
  return dir;
}
const meta = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: id,
  technique: 'T1021.002',
  tactic: 'lateral-movement',
  severity: { default: 'high' },
  ...extra,
});

function problems(dirs: string[]): PackProblem[] {
  try {
    loadRulePacks(dirs);
  } catch (err) {
    if (err instanceof RuleLoadError) return err.problems;
    throw err;
  }
  throw new Error('expected the load to fail');
}

describe('rule pack loading', () => {
  it('loads the shipped packs and the test pack together, in pack then file order; disabled rules are left out', () => {
    const off = pack({ off: { meta: meta('off-rule', { mode: 'disabled', severity: { Off: 'low', default: 'low' } }) } });
    const rules = loadRulePacks([...defaultPackDirs(), STATEFUL_PACK, off]);
    const shipped = [
      't1021-002-exec-smb-file', 't1021-002-service-created', 't1021-002-admin-share-opened', 't1021-002-admin-share-write',
      't1021-002-smb445-fanout-host', 't1021-002-smb445-fanout-process', 't1021-002-smb445', 't1021-002-smb-admin-shares',
    ];
    expect(rules.map((r) => r.meta.id)).toEqual([...shipped, 'test-netuse-shadow', 'test-psexec-throttled', 'test-smb-fanout-host', 'test-smb-fanout']);
    expect(rules.map((r) => r.mode)).toEqual([...shipped.map(() => 'alert'), 'shadow', 'alert', 'alert', 'alert']);
    expect(loadRulePacks([off], { includeDisabled: true }).map((r) => r.mode)).toEqual(['disabled']);
  });

  it('derives the plans: throttles per alert type, the aggregation buckets, the quiet period', () => {
    const [shadow, thr, , fan] = loadRulePacks([STATEFUL_PACK]);
    expect(shadow.throttles.size).toBe(0);
    expect(thr.throttles.get('*')).toEqual({ fields: ['aid'], period: '1h', periodMs: 3_600_000 });
    expect(fan.aggregate).toEqual({
      window: '5m',
      windowMs: 300_000,
      bucketMs: 30_000,
      runBuckets: 11,
      quietMs: 300_000,
      latenessMs: 300_000,
      quietGroup: { name: 'test-fanout', fields: ['aid'] },
    });
  });

  it('reports schema problems with the file and the JSON path', () => {
    const dir = pack({
      bad: {
        meta: meta('Bad Id', {
          severity: { default: 'urgent' },
          throttle: { fields: ['aid'], period: 'an hour' },
          mode: 'loud',
          extra: true,
        }),
      },
    });
    const got = problems([dir]).map((p) => `${p.file.replace(dir, 'DIR')}: ${p.path}: ${p.message}`);
    expect(got).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DIR\/bad\.json: \$: must NOT have additional properties \(extra\)$/),
        expect.stringMatching(/^DIR\/bad\.json: \$\.id: must match pattern/),
        expect.stringMatching(/^DIR\/bad\.json: \$\.severity\.default: must be equal to one of the allowed values$/),
        expect.stringMatching(/^DIR\/bad\.json: \$\.throttle\.period: must match pattern/),
        expect.stringMatching(/^DIR\/bad\.json: \$\.mode: must be equal to one of the allowed values$/),
      ]),
    );
  });

  it('reports what the schema cannot see: unknown alert types, a missing or stray window, a query that does not compile', () => {
    const dir = pack({
      a: { meta: meta('a', { severity: { A: 'high', default: 'high' }, throttleByType: { Nope: { fields: [], period: '1h' } }, window: '10m' }) },
      b: { meta: meta('b', { severity: { B: 'high', default: 'high' } }), cql: '#event_simpleName=NetworkConnectIP4 | groupBy([aid], function=count())' },
      c: { meta: meta('c', { severity: { C: 'high', default: 'high' }, suppress: [{ alert_type: 'Zzz', hostTags: ['x'], reason: 'r' }] }) },
      d: { meta: meta('d', { severity: { D: 'high', default: 'high' } }), cql: '#event_simpleName=ProcessRollup2 | join({x}, field=aid)' },
    });
    const got = problems([dir]).map((p) => `${p.file.replace(dir, 'DIR')}: ${p.path ?? ''}: ${p.message.split('\n')[0]}`);
    expect(got).toEqual(
      expect.arrayContaining([
        'DIR/a.json: $.throttleByType.Nope: Nope is not an alert type of this rule (its severity keys)',
        'DIR/a.json: $.window: only aggregate rules (a query with groupBy) take a window',
        'DIR/b.json: $.window: the query aggregates (groupBy): the metadata needs a window, e.g. "10m"',
        'DIR/c.json: $.suppress[0].alert_type: Zzz is not an alert type of this rule (its severity keys)',
        'DIR/d.cql: : does not compile:',
      ]),
    );
    // The compile error carries its line and column.
    expect(problems([dir]).find((p) => p.file.endsWith('d.cql'))!.message).toMatch(/d\.cql:1:\d+/);
  });

  it('rejects a rule id or an alert type used twice, across packs, naming both places', () => {
    const one = pack({ r: { meta: meta('dup', { severity: { Same: 'high', default: 'high' } }) } });
    const two = pack({ r: { meta: meta('dup', { severity: { Other: 'high', default: 'high' } }) }, s: { meta: meta('s', { severity: { Same: 'low', default: 'low' } }) } });
    const got = problems([one, two]).map((p) => `${p.file}: ${p.path}: ${p.message}`);
    expect(got).toEqual([
      `${join(two, 'r.json')}: $.id: rule id dup is also the id of ${join(one, 'r.json')}`,
      `${join(two, 's.json')}: $.severity.Same: alert type Same is also declared by ${join(one, 'r.json')}`,
    ]);
  });

  it('rules of one quiet group may share an alert type at one severity; its fields must be group fields', () => {
    const agg = (by: string) => `#event_simpleName=NetworkConnectIP4 | groupBy([${by}], function=count(as=n)) | n >= 5 | alert_type := "Fan"`;
    const q = { name: 'fan', fields: ['aid'] };
    const ok = pack({
      p: { meta: meta('p', { severity: { Fan: 'high', default: 'high' }, window: '10m', quietGroup: q }), cql: agg('aid, ContextProcessId') },
      h: { meta: meta('h', { severity: { Fan: 'high', default: 'high' }, window: '10m', quietGroup: q }), cql: agg('aid') },
    });
    expect(loadRulePacks([ok]).map((r) => r.meta.id)).toEqual(['h', 'p']);
    const bad = pack({
      p: { meta: meta('p2', { severity: { Fan2: 'high', default: 'high' }, window: '10m', quietGroup: q }), cql: agg('aid, ContextProcessId') },
      h: { meta: meta('h2', { severity: { Fan2: 'low', default: 'high' }, window: '10m', quietGroup: { name: 'fan', fields: ['UserSid'] } }), cql: agg('aid') },
      x: { meta: meta('x2', { severity: { Fan2: 'high', default: 'high' }, window: '10m' }), cql: agg('aid') },
    });
    const got = problems([bad]).map((p) => `${p.file.replace(bad, 'DIR')}: ${p.path}: ${p.message.replace(bad, 'DIR')}`);
    expect(got).toEqual([
      'DIR/h.json: $.quietGroup.fields[0]: UserSid is not a group field of the query (groupBy: aid)',
      'DIR/x.json: $.severity.Fan2: alert type Fan2 is also declared by DIR/p.json',
    ]);
    const sev = pack({
      p: { meta: meta('p3', { severity: { Fan3: 'high', default: 'high' }, window: '10m', quietGroup: q }), cql: agg('aid, ContextProcessId') },
      h: { meta: meta('h3', { severity: { Fan3: 'low', default: 'high' }, window: '10m', quietGroup: q }), cql: agg('aid') },
    });
    expect(problems([sev]).map((p) => p.message)).toEqual([expect.stringMatching(/^alert type Fan3 has severity low in .*h\.json \(same quiet group\): give it the same severity$|^alert type Fan3 has severity high in .*h\.json/)]);
  });

  it('names an empty or missing pack directory', () => {
    const empty = join(tmp, 'empty');
    cpSync(STATEFUL_PACK, empty, { recursive: true, filter: (src) => src === STATEFUL_PACK });
    expect(problems([empty, join(tmp, 'missing')]).map((p) => p.message)).toEqual([
      'no rules (<rule>.json + <rule>.cql) found',
      expect.stringMatching(/^not a readable pack directory: ENOENT/),
    ]);
  });
});

describe('the rule metadata validator compiled ahead of time', () => {
  it('is what scripts/rule-validator.mjs writes for rule.schema.json (run it after editing the schema)', async () => {
    // @ts-expect-error -- a plain ESM build script without types
    const gen = (await import('../../scripts/rule-validator.mjs')) as { SCHEMA: string; VALIDATOR: string; validatorSource: (s: string) => string };
    expect(readFileSync(gen.VALIDATOR, 'utf8')).toBe(gen.validatorSource(readFileSync(gen.SCHEMA, 'utf8')));
  });
});
