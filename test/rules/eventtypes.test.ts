import { describe, expect, it } from 'vitest';
import { ok } from './helpers';

const types = (src: string): string[] | null => ok(src).eventTypes;

describe('eventTypes', () => {
  it('top-level = and in()', () => {
    expect(types('#event_simpleName = "ProcessRollup2"')).toEqual(['ProcessRollup2']);
    expect(types('#event_simpleName = ProcessRollup2 | FileName = "x"')).toEqual(['ProcessRollup2']);
    expect(types('in(field="#event_simpleName", values=["B", "A"])')).toEqual(['A', 'B']);
    expect(types('in("#event_simpleName", values=[A])')).toEqual(['A']);
  });

  it('unconstrained when the type is not pinned down', () => {
    expect(types('FileName = "x"')).toBeNull();
    expect(types('#event_simpleName != "A"')).toBeNull();
    expect(types('#event_simpleName = "Process*"')).toBeNull();
    expect(types('#event_simpleName = /^Process/')).toBeNull();
    expect(types('in(field="#event_simpleName", values=["A"], ignoreCase=true)')).toBeNull();
    expect(types('in(field="#event_simpleName", values=["A*"])')).toBeNull();
    expect(types('NOT #event_simpleName = "A"')).toBeNull();
    expect(types('!in(field="#event_simpleName", values=["A"])')).toBeNull();
    expect(types('#event_simpleName = "A" OR FileName = "x"')).toBeNull();
  });

  it('AND / stages intersect, OR unites', () => {
    expect(types('#event_simpleName = "A" OR #event_simpleName = "B"')).toEqual(['A', 'B']);
    expect(types('in(field="#event_simpleName", values=[A, B]) | #event_simpleName = "B"')).toEqual(['B']);
    expect(types('#event_simpleName = "A" #event_simpleName = "B"')).toEqual([]);
    expect(types('in(field="#event_simpleName", values=[A, B]) in(field="#event_simpleName", values=[B, C])')).toEqual(['B']);
  });

  it('case clauses unite; an unconstrained clause makes the case unconstrained', () => {
    expect(types('case { #event_simpleName = "A" | t := 1 ; #event_simpleName = "B" | t := 2 }')).toEqual(['A', 'B']);
    expect(types('case { #event_simpleName = "A" ; FileName = "x" }')).toBeNull();
    expect(types('case { #event_simpleName = "A" ; * }')).toBeNull();
    expect(types('in(field="#event_simpleName", values=[A, B, C]) | case { #event_simpleName = "A" ; FileName = "x" }')).toEqual(['A', 'B', 'C']);
    expect(types('in(field="#event_simpleName", values=[A, B, C]) | case { #event_simpleName = "A" ; #event_simpleName = "D" }')).toEqual(['A']);
    expect(types('case { a = 1 | case { #event_simpleName = "A" ; #event_simpleName = "B" } ; #event_simpleName = "C" }')).toEqual(['A', 'B', 'C']);
  });

  it('false / dropEvent() pass nothing', () => {
    expect(types('false')).toEqual([]);
    expect(types('case { #event_simpleName = "A" ; false }')).toEqual(['A']);
    expect(types('case { #event_simpleName = "A" ; * | dropEvent() }')).toEqual(['A']);
  });

  it('a reassigned #event_simpleName no longer constrains the input', () => {
    const q = ok('#event_simpleName := "X" | #event_simpleName = "X"');
    expect(q.eventTypes).toBeNull();
    expect(q.evaluate({ '#event_simpleName': 'Other' }).status).toBe('match');
    expect(types('case { a = 1 | #event_simpleName := "X" ; * } | #event_simpleName = "X"')).toBeNull();
    expect(types('drop(["#event_simpleName"]) | #event_simpleName = "X"')).toBeNull();
    // ...but a filter before the assignment still does.
    expect(types('#event_simpleName = "A" | #event_simpleName := "X"')).toEqual(['A']);
  });

  it('is sound: every listed query passes only listed types', () => {
    const srcs = [
      'in(field="#event_simpleName", values=[A, B]) | case { #event_simpleName = "A" ; #event_simpleName = "B" | x = 1 }',
      '#event_simpleName = "A" OR #event_simpleName = "C"',
    ];
    for (const src of srcs) {
      const q = ok(src);
      for (const t of ['A', 'B', 'C', 'D']) {
        if (q.evaluate({ '#event_simpleName': t, x: '1' }).status === 'match') expect(q.eventTypes).toContain(t);
      }
    }
  });

  it('the CQL functions: filters other than = / in() leave the type unconstrained, writers taint it', () => {
    expect(types('#event_simpleName = "A" | test(x > 1) | cidr(ip, subnet="10.0.0.0/8") | regex("x", field=f) | wildcard(field=g, pattern="*")')).toEqual(['A']);
    expect(types('test(#event_simpleName == "A")')).toBeNull();
    expect(types('regex("^A$", field=#event_simpleName)')).toBeNull();
    expect(types('wildcard(field=#event_simpleName, pattern="A")')).toBeNull();
    expect(types('#event_simpleName =~ in(values=[A, B])')).toEqual(['A', 'B']);
    for (const w of [
      'rename(field=x, as=#event_simpleName)',
      'rename(field=#event_simpleName, as=x)',
      'default(field=#event_simpleName, value="A")',
      'lower(x, as=#event_simpleName)',
      '#event_simpleName := lower(x)',
      'regex("(?<x>.)", field=y) | regex("(?<g>A)", field=z) | x := "1" | format("%s", field=[x], as=#event_simpleName)',
      'RFMState match { 1 => #event_simpleName := "A" ; * => * }',
    ]) {
      expect(types(`${w} | #event_simpleName = "A"`), w).toBeNull();
    }
  });

  it('only the event part counts: aggregation and presentation come after', () => {
    expect(types('#event_simpleName = "A" | groupBy([aid]) | #event_simpleName = "B"')).toEqual(['A']);
    expect(types('groupBy([#event_simpleName]) | #event_simpleName = "B"')).toBeNull();
    expect(types('#event_simpleName = "A" | count()')).toEqual(['A']);
    expect(types('in(field="#event_simpleName", values=[A, B]) | sort(x) | head(5)')).toEqual(['A', 'B']);
  });
});
