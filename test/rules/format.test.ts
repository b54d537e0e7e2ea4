import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../lambda/rules/index';
import { formatDiagnostics } from '../../lambda/rules/format';
import type { Diagnostic } from '../../lambda/rules/types';

describe('formatDiagnostics', () => {
  it('file:line:col, source line, underline and hint', () => {
    const src = 'a = 1\n| #event_simpleName in ["A","B"]\n';
    const out = formatDiagnostics('rule.cql', src, compileQuery(src).diagnostics);
    expect(out).toBe(
      [
        'rule.cql:2:21: error[not-cql-in]: `in [...]` is not CQL',
        '2 | | #event_simpleName in ["A","B"]',
        '  |                     ^^^^^^^^^^^^',
        '  = hint: in(field="#event_simpleName", values=["A", "B"])',
        '',
      ].join('\n'),
    );
  });

  it('no hint line without a hint; blocks separated by a blank line; gutter as wide as the largest line number', () => {
    const src = 'a = 1\n'.repeat(9) + '| b = /(/\n| c = 1 & d = 2';
    const out = formatDiagnostics('q.cql', src, compileQuery(src).diagnostics);
    expect(out).toBe(
      [
        'q.cql:10:7: error[invalid-regex]: invalid regex: Unterminated group',
        '10 | | b = /(/',
        '   |       ^^^',
        '',
        'q.cql:11:9: error[unexpected-character]: unexpected character `&`',
        '11 | | c = 1 & d = 2',
        '   |         ^',
        '',
      ].join('\n'),
    );
  });

  it('keeps tabs so carets line up; zero-width spans get one caret; multi-line spans run to end of line', () => {
    const diags: Diagnostic[] = [
      { severity: 'error', code: 'x', message: 'm', line: 1, col: 3, endLine: 1, endCol: 5 },
      { severity: 'warning', code: 'y', message: 'n', line: 1, col: 7, endLine: 1, endCol: 7, hint: 'h' },
      { severity: 'error', code: 'z', message: 'o', line: 1, col: 5, endLine: 2, endCol: 2 },
    ];
    const out = formatDiagnostics('f', '\tab\tcd\r\nxy', diags);
    expect(out.split('\n')).toEqual([
      'f:1:3: error[x]: m',
      '1 | \tab\tcd',
      '  | \t ^^',
      '',
      'f:1:7: warning[y]: n',
      '1 | \tab\tcd',
      '  | \t  \t  ^',
      '  = hint: h',
      '',
      'f:1:5: error[z]: o',
      '1 | \tab\tcd',
      '  | \t  \t^^',
      '',
    ]);
  });

  it('an empty diagnostic list formats to nothing', () => {
    expect(formatDiagnostics('f', 'a = 1', [])).toBe('');
  });
});
