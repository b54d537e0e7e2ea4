import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../lambda/rules/index';
import { at, error, errors, ok } from './helpers';

describe('not-cql-in and drop()', () => {
  it('`field in [...]` → not-cql-in with the in() form as hint', () => {
    const d = error('#event_simpleName in ["A","B"]', 'not-cql-in');
    expect(d.message).toBe('`in [...]` is not CQL');
    expect(at(d)).toBe('1:19-1:31');
    expect(d.hint).toBe('in(field="#event_simpleName", values=["A", "B"])');
    expect(error('FileName in [a.exe, "b"] | x = 1', 'not-cql-in').hint).toBe('in(field="FileName", values=[a.exe, "b"])');
  });

  it('drop() without fields', () => {
    const d = error('a = 1\n| drop()', 'drop-requires-fields');
    expect(at(d)).toBe('2:3-2:9');
    expect(d.hint).toMatch(/leave out the `\*` clause/);
    expect(error('drop([])', 'drop-requires-fields').code).toBe('drop-requires-fields');
  });
});

describe('lexical errors', () => {
  it('unterminated string', () => {
    const d = error('a = "abc\n| b = 1', 'unterminated-string');
    expect(at(d)).toBe('1:5-1:9');
  });
  it('unterminated regex', () => {
    const d = error('a = 1 | b = /abc\n', 'unterminated-regex');
    expect(at(d)).toBe('1:13-1:17');
  });
  it('unterminated block comment', () => {
    const d = error('a = 1\n  /* never closed', 'unterminated-comment');
    expect(at(d)).toBe('2:3-2:5');
  });
  it('unexpected character', () => {
    const d = error('a = 1 & b = 2', 'unexpected-character');
    expect(at(d)).toBe('1:7-1:8');
  });
});

describe('syntax errors', () => {
  it('unclosed case brace points at the {', () => {
    const d = error('case {\n a = 1 ;\n b = 2', 'unclosed-brace');
    expect(at(d)).toBe('1:6-1:7');
  });
  it('unclosed parenthesis points at the (', () => {
    expect(at(error('a = 1 (b = 2 | c = 3', 'unclosed-paren'))).toBe('1:7-1:8');
    expect(at(error('in(field=a, values=[1]', 'unclosed-paren'))).toBe('1:3-1:4');
  });
  it('unclosed bracket points at the [', () => {
    expect(at(error('in(field=a, values=[1, 2)', 'unclosed-bracket'))).toBe('1:20-1:21');
  });
  it('stray closers', () => {
    expect(at(error('a = 1 }', 'unmatched-delimiter'))).toBe('1:7-1:8');
    expect(at(error('a = 1 )\n| b = 2', 'unmatched-delimiter'))).toBe('1:7-1:8');
  });
  it('unexpected token', () => {
    const d = error('a = 1 | b = = 2', 'unexpected-token');
    expect(at(d)).toBe('1:13-1:14');
    expect(at(error('a = 1 ; b = 2', 'unexpected-token'))).toBe('1:7-1:8');
  });
  it('assignment inside an expression', () => {
    const d = error('a = 1 t := "x"', 'unexpected-token');
    expect(at(d)).toBe('1:7-1:8');
    expect(d.hint).toMatch(/\| t :=/);
  });
  it('missing comma: reported once, parsing goes on', () => {
    const errs = errors('in(field="FileName" values=["a" "b"])');
    expect(errs.map((d) => `${d.code} ${at(d)}`)).toEqual(['missing-comma 1:20-1:20', 'missing-comma 1:32-1:32']);
    expect(errs[0].hint).toBe('separate arguments with `,`');
  });
  it('empty parentheses', () => {
    expect(at(error('a = 1 ()', 'expected-expression'))).toBe('1:7-1:9');
  });
  it('missing value', () => {
    expect(at(error('a = | b = 1', 'expected-value'))).toBe('1:5-1:6');
    expect(at(error('a =', 'expected-value'))).toBe('1:4-1:4');
  });
  it('empty stages and query', () => {
    expect(at(error('a = 1 | | b = 1', 'empty-stage'))).toBe('1:9-1:10');
    expect(at(error('| a = 1', 'empty-stage'))).toBe('1:1-1:2');
    expect(error('  // only a comment\n', 'empty-query').line).toBe(2);
  });
  it('free-text search is rejected', () => {
    expect(at(error('"psexec"', 'free-text-unsupported'))).toBe('1:1-1:9');
    expect(at(error('a = 1 psexec', 'free-text-unsupported'))).toBe('1:7-1:13');
    expect(error('/psexec/i', 'free-text-unsupported').code).toBe('free-text-unsupported');
  });
  it('reports several errors in one run', () => {
    const errs = errors('a = "x | b = 1\n| foo()\n| c = /(/\n| drop()');
    expect(errs.map((d) => d.code)).toEqual(['unterminated-string', 'unknown-function', 'invalid-regex', 'drop-requires-fields']);
    const errs2 = errors('case { a = = 1 ; b = 1 | bogus() } | x in [1]');
    expect(errs2.map((d) => `${d.code}@${d.line}:${d.col}`)).toEqual(['unexpected-token@1:12', 'unknown-function@1:26', 'not-cql-in@1:40']);
  });
});

describe('functions and arguments', () => {
  it('unknown function, with a did-you-mean', () => {
    const d = error('a = 1 | dropEvnt()', 'unknown-function');
    expect(at(d)).toBe('1:9-1:17');
    expect(d.hint).toBe('did you mean `dropEvent()`?');
    expect(error('frobnicate()', 'unknown-function').hint).toMatch(/supported functions: in, /);
  });
  it('known LogScale functions outside the subset', () => {
    const d = error('a = 1 | timeChart(span=1h)', 'unsupported-function');
    expect(at(d)).toBe('1:9-1:18');
    expect(d.hint).toMatch(/charts are not supported/);
    expect(error('eval(x = a + 1)', 'unsupported-function').hint).toMatch(/:=/);
    for (const src of ['join({a = 1}, field=aid)', 'selfJoinFilter([aid], where=[{a = 1}, {b = 2}])', 'defineTable(query={a = 1}, name=t)', 'correlate(x: {a = 1})', 'match(file="x.csv", field=a)', 'ioc:lookup(field=a)', 'bucket(1h)', 'sankey(source=a, target=b)', 'worldMap(ip=a)']) {
      expect(error(src, 'unsupported-function').hint, src).toBeDefined();
    }
  });
  it('saved searches and namespaced functions', () => {
    const d = error('a = 1 | $falcon/helper:enrich(field=LogonType)', 'unsupported-function');
    expect(at(d)).toBe('1:9-1:30');
    expect(d.message).toMatch(/saved searches/);
    expect(error('x := unit:convert(Size, to=M)', 'unsupported-function').code).toBe('unsupported-function');
    expect(error('a = 1 | $"crowdstrike/fltr-core:zComputerName"()', 'unsupported-function').message).toMatch(/saved searches/);
    expect(error('array:contains("a[]", value=x)', 'unsupported-function').code).toBe('unsupported-function');
  });
  it('an unsupported function is the only error, whatever its arguments look like', () => {
    const errs = errors('correlate(a: { x = 1 } include: [aid], b: { y = 2 | aid <=> a.aid }, sequence=false) | z = 1');
    expect(errs.map((d) => d.code)).toEqual(['unsupported-function']);
    expect(errors('join(query={$falcon/investigate:cid_name()}, field=[cid], include=[name])').map((d) => d.code)).toEqual(['unsupported-function']);
  });
  it('subqueries in supported functions', () => {
    expect(error('in(query={a = 1}, field=aid)', 'unsupported-subquery').col).toBe(10);
  });
  it('in() without values= / field=', () => {
    const d = error('in(field="FileName")', 'in-missing-values');
    expect(at(d)).toBe('1:1-1:21');
    expect(d.hint).toBe('in(field="FileName", values=["value1", "value2"])');
    expect(error('in(values=[1])', 'in-missing-field').code).toBe('in-missing-field');
  });
  it('bad arguments', () => {
    const d = error('in(field=a, value=[1])', 'unknown-argument');
    expect(at(d)).toBe('1:13-1:18');
    expect(d.hint).toBe('did you mean `values=`?');
    expect(at(error('in(field=a, values=[1], ignoreCase=maybe)', 'invalid-argument'))).toBe('1:36-1:41');
    expect(at(error('in(field=a, values=1)', 'invalid-argument'))).toBe('1:20-1:21');
    expect(at(error('in(field=a, values=[/x/])', 'invalid-argument'))).toBe('1:21-1:24');
    expect(error('in(field=a, field=b, values=[1])', 'duplicate-argument').col).toBe(13);
    expect(error('in(a, b, values=[1])', 'unexpected-argument').col).toBe(7);
    expect(error('table([a], limit=0)', 'invalid-argument').col).toBe(18);
    expect(error('table([a], order=up)', 'invalid-argument').col).toBe(18);
    expect(error('dropEvent(a)', 'unexpected-argument').col).toBe(11);
  });
  it('table() must be last and have fields', () => {
    expect(at(error('table([a]) | a = 1', 'table-not-last'))).toBe('1:1-1:11');
    expect(error('case { table([a]) }', 'table-not-last').col).toBe(8);
    expect(error('table()', 'table-requires-fields').col).toBe(1);
  });
  it('drop/table inside a boolean expression', () => {
    expect(at(error('a = 1 OR drop([a])', 'not-a-filter'))).toBe('1:10-1:19');
  });
  it('invalid field names and non-numeric comparisons', () => {
    expect(at(error('a*b = 1', 'invalid-field-name'))).toBe('1:1-1:4');
    expect(at(error('a < "x"', 'non-numeric-comparison'))).toBe('1:5-1:8');
    expect(error('a > /1/', 'non-numeric-comparison').code).toBe('non-numeric-comparison');
  });
});

describe('regex errors', () => {
  it('invalid regex', () => {
    const d = error('a = 1\n| FileName = /(psexec/', 'invalid-regex');
    expect(at(d)).toBe('2:14-2:23');
    expect(d.message).toMatch(/Unterminated group/);
  });
  it('inline flags in the middle', () => {
    const d = error('f = /abc(?i)def/', 'unsupported-inline-flags');
    expect(at(d)).toBe('1:9-1:13');
    expect(d.hint).toMatch(/start of the regex/);
    const s = error('f = /a(?i:b)c/', 'unsupported-inline-flags');
    expect(at(s)).toBe('1:7-1:11');
    expect(s.hint).toMatch(/whole regex/);
    // (?:…), (?<name>…), lookarounds and escaped parens are fine.
    ok('f = /(?:a)(?<n>b)(?=c)(?!d)(?<=e)(?<!f)\\(?i\\)/');
    // A class containing "(?i)" is not a group.
    ok('f = /[(?i)]/');
  });
  it('unsupported inline flags at the start', () => {
    const d = error('f = /(?x)a b/', 'unsupported-inline-flags');
    expect(at(d)).toBe('1:6-1:10');
    expect(error('f = /(?-i)a/', 'unsupported-inline-flags').col).toBe(6);
  });
  it('unknown regex flags', () => {
    const d = error('f = /a/iz', 'invalid-regex-flag');
    expect(at(d)).toBe('1:9-1:10');
  });
  it('Java-only escapes', () => {
    const d = error('f = /\\Aabc\\z/', 'unsupported-regex-escape');
    expect(at(d)).toBe('1:6-1:8');
    expect(d.hint).toMatch(/\^/);
    expect(errors('f = /\\Aabc\\z/').length).toBe(2);
    expect(error('f = /\\e\\[/', 'unsupported-regex-escape').hint).toBe('use `\\x1b`');
    // Escaped backslashes are not escapes of the next letter.
    ok('f = /\\\\A/');
  });
});

describe('diagnostic ordering and warnings', () => {
  it('diagnostics come back in source order', () => {
    const r = compileQuery('bogus() | a = /(/ | b = "x');
    const pos = r.diagnostics.map((d) => d.line * 1000 + d.col);
    expect(pos).toEqual([...pos].sort((x, y) => x - y));
    expect(r.diagnostics.length).toBe(3);
  });
  it('an empty case is a warning, the query still compiles', () => {
    const r = compileQuery('case { }');
    expect(r.query).toBeDefined();
    expect(r.diagnostics).toMatchObject([{ severity: 'warning', code: 'empty-case', line: 1, col: 1 }]);
    expect(r.query?.evaluate({}).status).toBe('nomatch');
  });
});
