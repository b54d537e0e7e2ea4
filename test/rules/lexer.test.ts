import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../lambda/rules/diagnostics';
import { tokenize } from '../../lambda/rules/lexer';

function lex(src: string) {
  const diags = new Diagnostics(src);
  const toks = tokenize(src, diags);
  return { toks, diags: diags.list };
}

describe('lexer', () => {
  it('tokens with exact offsets; comments and whitespace skipped', () => {
    const src = '#event_simpleName="A" // c\n| x := @timestamp /* c */ !in(a.b, [*.exe])';
    const { toks, diags } = lex(src);
    expect(diags).toEqual([]);
    expect(toks.map((t) => `${t.kind}:${t.text}@${t.span.start}`)).toEqual([
      'word:#event_simpleName@0',
      'eq:=@17',
      'string:"A"@18',
      'pipe:|@27',
      'word:x@29',
      'assign::=@31',
      'word:@timestamp@34',
      'bang:!@53',
      'word:in@54',
      'lparen:(@56',
      'word:a.b@57',
      'comma:,@60',
      'lbracket:[@62',
      'word:*.exe@63',
      'rbracket:]@68',
      'rparen:)@69',
      'eof:@70',
    ]);
  });

  it('operators', () => {
    expect(lex('a!=b c<=1 d>=2 e<3 f>4 g;h').toks.map((t) => t.kind).join(' ')).toBe(
      'word neq word word le word word ge word word lt word word gt word word semi word eof',
    );
  });

  it('strings: escapes, wildcard parts', () => {
    const [t] = lex('"a*b\\*c\\"d\\\\e\\n\\q"').toks;
    expect(t.value).toBe('a*b*c"d\\e\n\\q');
    expect(t.parts).toEqual(['a', 'b*c"d\\e\n\\q']);
    expect(lex('ps*').toks[0].parts).toEqual(['ps', '']);
  });

  it('regex literals: raw pattern, escaped slash, flags, offsets', () => {
    const [t] = lex('/a\\/b(?i)/id x').toks;
    expect(t.kind).toBe('regex');
    expect(t.value).toBe('a\\/b(?i)');
    expect(t.flags).toBe('id');
    expect(t.patternStart).toBe(1);
    expect(t.flagsStart).toBe(10);
    expect(t.span).toEqual({ start: 0, end: 12 });
  });

  it('// and /* are comments, not regexes', () => {
    expect(lex('a // /x/\n/* /y/ */ b').toks.map((t) => t.text)).toEqual(['a', 'b', '']);
  });

  it('lexical errors carry their spans and lexing goes on', () => {
    const { toks, diags } = lex('a = "x\n b ~ c');
    expect(diags.map((d) => `${d.code}@${d.line}:${d.col}-${d.endLine}:${d.endCol}`)).toEqual([
      'unterminated-string@1:5-1:7',
      'unexpected-character@2:4-2:5',
    ]);
    expect(toks.map((t) => t.text)).toEqual(['a', '=', '"x', 'b', 'c', '']);
  });

  it('columns count UTF-16 code units', () => {
    const { diags } = lex('f = "😀" ~');
    expect(diags[0]).toMatchObject({ line: 1, col: 10 });
  });
});
