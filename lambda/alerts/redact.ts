/**
 * Credential redaction for command lines before an alert leaves the pipeline.
 *
 * Secrets are replaced by `[REDACTED]`; user names, hosts and shares are kept (they are what an analyst needs).
 * The rules are deliberately specific (a tool's known password position or a password-named option) so ordinary
 * command lines come through unchanged:
 *
 * - `net use [dev] \\host\share <password|*> [/user:DOMAIN\user]` — the positional password (also `""`, and a
 *   password given after `/user:`); `*` (prompt) is kept.
 * - `net user <name> <password|*> …` — the positional password.
 * - PsExec / PAExec / RemCom: `-p <password>` (quoted values with spaces too).
 * - Password-named options: `/p:x`, `/pass:x`, `/password:x`, `-p:x`, `--password x`, `--password=x`,
 *   `-Password x`, `-pw x`, `/pwd x`; schtasks `/p x`, `/rp x`; impacket `-hashes LM:NT`; pass-the-hash
 *   `-Hash NT` (Invoke-SMBExec), `-NTHash`, mimikatz `/ntlm:`, `/rc4:`, `/aes256:`.
 * - Key/value: `password=x`, `pwd=x`, `passwd=x`, `pass=x` (connection strings, scripts).
 * - User info: `DOMAIN/user:password@target` (impacket), `scheme://user:password@host`.
 * - PowerShell `ConvertTo-SecureString 'x'`.
 */

export const REDACTED = '[REDACTED]';

interface Span {
  start: number;
  end: number;
}

interface Token {
  start: number;
  end: number;
  raw: string;
  /** The token with surrounding quotes removed. */
  value: string;
}

const PASSWORD_KEYS = 'password|passwd|pwd|pass';

/**
 * Where the double quotes of a command line are, to tell whether a position lies inside a quoted string. Built once
 * per command line (on first use), so every question costs a binary search: redaction stays linear in the length of
 * the command line however many tool names it holds (attacker-controlled, up to 32,767 characters on Windows).
 */
class Quotes {
  private positions: number[] | null = null;

  constructor(private readonly text: string) {}

  /** How many `"` precede `pos`. */
  private before(pos: number): number {
    if (this.positions === null) {
      this.positions = [];
      for (let i = this.text.indexOf('"'); i !== -1; i = this.text.indexOf('"', i + 1)) this.positions.push(i);
    }
    let lo = 0;
    let hi = this.positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid] < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True when an odd number of `"` precede `pos`. */
  inside(pos: number): boolean {
    return this.before(pos) % 2 === 1;
  }

  /** The position of the first `"` at or after `pos`, or the text's length. */
  next(pos: number): number {
    const k = this.before(pos);
    return k < this.positions!.length ? this.positions![k] : this.text.length;
  }
}

/**
 * The argument tokens that follow `from`, up to the end of that command (an unquoted `&`, `|` or the end) and never
 * past `limit` (where the next invocation of the same tool starts: its own arguments are its own scan's, so each
 * character is tokenised once per rule). When `from` lies inside a quoted string (`cmd /c "net use …"`), the
 * command ends at the closing quote and its tokens split on whitespace only (nested quotes are ambiguous in cmd and
 * rare in practice).
 */
/** JavaScript's `\s` for the character at `i`, without a regex call for ASCII. */
function isSpaceAt(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if (code < 128) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return /\s/.test(text[i]);
}

const QUOTE = 0x22;
const AMP = 0x26;
const PIPE = 0x7c;
const GT = 0x3e;

function argTokens(text: string, from: number, limit: number, quotes: Quotes): Token[] {
  const tokens: Token[] = [];
  if (quotes.inside(from)) {
    const end = Math.min(quotes.next(from), limit);
    const re = /[^\s&|]+|[&|]/g;
    re.lastIndex = from;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null && m.index < end) {
      const tokEnd = Math.min(m.index + m[0].length, end);
      const raw = text.slice(m.index, tokEnd);
      if (raw === '&' || raw === '|') break;
      tokens.push({ start: m.index, end: tokEnd, raw, value: raw });
    }
    return tokens;
  }
  let i = from;
  const n = Math.min(text.length, limit);
  while (i < n) {
    while (i < n && isSpaceAt(text, i)) i++;
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === AMP || c === PIPE) break;
    const start = i;
    let quoted = false;
    while (i < n && !isSpaceAt(text, i)) {
      const ch = text.charCodeAt(i);
      if (ch === QUOTE) {
        const close = quotes.next(i + 1);
        if (close >= n) {
          // An unbalanced quote: the rest is not part of this token (it is usually an outer quote's end).
          if (i === start) i = n;
          break;
        }
        quoted = true;
        i = close + 1;
        continue;
      }
      // `2>&1` keeps its `&`; any other unquoted & or | ends the command.
      if ((ch === AMP || ch === PIPE) && !(ch === AMP && text.charCodeAt(i - 1) === GT)) break;
      i++;
    }
    if (i === start) break;
    const raw = text.slice(start, i);
    tokens.push({ start, end: i, raw, value: quoted ? raw.replace(/"/g, '') : raw });
  }
  return tokens;
}

/**
 * Calls `each(args, limit)` for every match of a tool's regex: where its arguments start and where the next match
 * starts (the limit of its scan).
 */
function invocations(text: string, re: RegExp, each: (args: number, limit: number) => void): void {
  re.lastIndex = 0;
  let m = re.exec(text);
  while (m !== null) {
    const args = re.lastIndex;
    const next = re.exec(text);
    each(args, next === null ? text.length : next.index);
    m = next;
  }
}

function isRedirection(value: string): boolean {
  const c = value.charCodeAt(0);
  return (c === 0x3c || c === 0x3e || (c >= 0x30 && c <= 0x39)) && /^\d?[<>]/.test(value);
}

/** Whether a redirection token has its target in the next token (`>` alone, `2>` alone). */
function redirectionNeedsTarget(value: string): boolean {
  return /^\d?(?:>>?|<)$/.test(value);
}

/** Positional (non-option, non-redirection) tokens. */
function positionals(tokens: Token[]): { tok: Token; afterUserOption: boolean }[] {
  const out: { tok: Token; afterUserOption: boolean }[] = [];
  let afterUser = false;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (isRedirection(t.value)) {
      if (redirectionNeedsTarget(t.value)) k++;
      continue;
    }
    if (t.value.startsWith('/')) {
      if (/^\/u(?:ser)?:/i.test(t.value)) afterUser = true;
      continue;
    }
    out.push({ tok: t, afterUserOption: afterUser });
  }
  return out;
}

function netUse(text: string, spans: Span[], quotes: Quotes): void {
  // A password is only taken after a share (`\\host\share`, a URL) or a /user option: without one, nothing to do.
  if (!/\\\\|:\/\/|\/u/i.test(text)) return;
  invocations(text, /\bnet1?(?:\.exe)?"?\s+use(?=\s|$)/gi, (args, limit) => {
    const tokens = argTokens(text, args, limit, quotes);
    let shareSeen = false;
    for (const { tok, afterUserOption } of positionals(tokens)) {
      const v = tok.value;
      if (!shareSeen && (/^[a-z]:$/i.test(v) || v === '*')) continue; // local device
      if (v.startsWith('\\\\') || /^https?:\/\//i.test(v)) {
        shareSeen = true;
        continue;
      }
      if (v === '*') continue; // prompt for the password
      if (shareSeen || afterUserOption) spans.push({ start: tok.start, end: tok.end });
    }
  });
}

function netUser(text: string, spans: Span[], quotes: Quotes): void {
  invocations(text, /\bnet1?(?:\.exe)?"?\s+user(?=\s|$)/gi, (args, limit) => {
    const pos = positionals(argTokens(text, args, limit, quotes));
    const pw = pos[1];
    if (pw && pw.tok.value !== '*') spans.push({ start: pw.tok.start, end: pw.tok.end });
  });
}

/** `-p <value>` of PsExec-family tools; also schtasks' `/p` and `/rp`. */
function valueAfterFlag(text: string, spans: Span[], quotes: Quotes, tool: RegExp, flag: RegExp, anyFlag: RegExp): void {
  if (!anyFlag.test(text)) return; // the flag is nowhere: no tool invocation can carry it
  invocations(text, tool, (args, limit) => {
    const tokens = argTokens(text, args, limit, quotes);
    for (let k = 0; k + 1 < tokens.length; k++) {
      if (tokens[k].value.length <= 3 && flag.test(tokens[k].value)) {
        const v = tokens[k + 1];
        spans.push({ start: v.start, end: v.end });
        k++;
      }
    }
  });
}

const VALUE = `("[^"]*"|'[^']*'|[^\\s"']+)`;

/**
 * Regex rules: group 1 is what is kept before the secret, group 2 is the secret. An option must start a token (at
 * the start, or after whitespace or a quote); the check sits after the option's first character (`[/-](?<=…)`)
 * rather than before it, so the regex engine can skip ahead to that character: a leading lookbehind made each rule
 * try every position of a megabyte-long command line.
 */
const TOKEN_START = `(?<=(?:^|[\\s"'])[/-])`;
const REGEX_RULES: RegExp[] = [
  // /p:x /pass:x /password:x /pwd:x -p:x --password=x -password:x
  new RegExp(`([/-]${TOKEN_START}-?(?:p|pw|${PASSWORD_KEYS})[:=])${VALUE}`, 'gi'),
  // --password x, -Password x, /password x, -pw x, /pwd x (space-separated, long names only)
  new RegExp(`([/-]${TOKEN_START}-?(?:pw|pwd|passwd|password)\\s+)(?![-/])${VALUE}`, 'gi'),
  new RegExp(`(-${TOKEN_START}-pass\\s+)(?![-/])${VALUE}`, 'gi'),
  // impacket -hashes LMHASH:NTHASH; Invoke-SMBExec / Invoke-WMIExec -Hash NTHASH; -NTHash, -NTLMHash
  new RegExp(`(-${TOKEN_START}(?:hashes|hash|nthash|ntlmhash)\\s+)${VALUE}`, 'gi'),
  // mimikatz sekurlsa::pth /ntlm:… /rc4:… /aes128:… /aes256:…
  new RegExp(`(/${TOKEN_START}(?:ntlm|rc4|aes128|aes256)[:=])${VALUE}`, 'gi'),
  // password=x in scripts and connection strings
  new RegExp(`(?<![\\w/-])((?:${PASSWORD_KEYS})\\s*=\\s*)("[^"]*"|'[^']*'|[^\\s;"'&|,]+)`, 'gi'),
  // scheme://user:password@host
  /(:\/\/[^\s:@/]+:)([^\s@/]+)(?=@)/g,
  // PowerShell ConvertTo-SecureString 'x' / -String 'x'
  /(ConvertTo-SecureString\s+(?:-String\s+)?)("[^"]*"|'[^']*'|[^\s"'|)]+)/gi,
];

const USER_CHAR = /[\w.$-]/;
const SECRET_CHAR = /[^\s@:/\\"']/;
const TARGET_START = /[\w.-]/;

/**
 * Impacket's `[DOMAIN/]user:password@target`, found from each `@` backwards (never past the previous `@`, so the
 * scans never overlap): the password is the run of secret characters before the `@`, after a `:` that ends a user
 * name (optionally `DOMAIN/`) which starts a token.
 */
function userInfo(text: string, spans: Span[]): void {
  let prevAt = -1;
  for (let at = text.indexOf('@'); at !== -1; prevAt = at, at = text.indexOf('@', at + 1)) {
    if (!TARGET_START.test(text[at + 1] ?? '')) continue;
    let i = at;
    while (i - 1 > prevAt && SECRET_CHAR.test(text[i - 1])) i--;
    if (i === at || text[i - 1] !== ':') continue;
    const secretStart = i;
    i--; // the ':'
    let u = i;
    while (u - 1 > prevAt && USER_CHAR.test(text[u - 1])) u--;
    if (u === i) continue;
    if (text[u - 1] === '/') {
      u--;
      const slash = u;
      while (u - 1 > prevAt && /[\w.-]/.test(text[u - 1])) u--;
      if (u === slash) continue;
    }
    if (u > 0 && !/[\s"']/.test(text[u - 1])) continue;
    spans.push({ start: secretStart, end: at });
  }
}

/** `/p:Name=Value` is an MSBuild property, not a password. */
function isMsBuildProperty(prefix: string, value: string): boolean {
  return /^\/p:$/i.test(prefix) && /^[A-Za-z_][\w.]*=/.test(value);
}

function regexRules(text: string, spans: Span[]): void {
  for (const re of REGEX_RULES) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const prefix = m[1];
      const value = m[2];
      if (value === undefined || value.length === 0) continue;
      if (isMsBuildProperty(prefix, value)) continue;
      const start = m.index + prefix.length;
      spans.push({ start, end: start + value.length });
    }
  }
}

/** The text with every span replaced by one `[REDACTED]` per run of overlapping spans. */
function applySpans(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  // Each rule finds its spans in order, so the list is a few sorted runs: TimSort merges them in about linear time.
  spans.sort((x, y) => x.start - y.start || y.end - x.end);
  const out: string[] = [];
  let pos = 0;
  let k = 0;
  while (k < spans.length) {
    const start = spans[k].start;
    let end = spans[k].end;
    for (k++; k < spans.length && spans[k].start < end; k++) end = Math.max(end, spans[k].end);
    if (start < pos) {
      // Overlaps the run before it (cannot happen after the merge above; kept for safety).
      pos = Math.max(pos, end);
      continue;
    }
    out.push(text.slice(pos, start), REDACTED);
    pos = end;
  }
  out.push(text.slice(pos));
  return out.join('');
}

/** Replace credentials in a command line with `[REDACTED]`. `redacted` says whether anything was replaced. */
export function redactCommandLine(cmd: string): { text: string; redacted: boolean } {
  if (!cmd) return { text: cmd, redacted: false };
  const spans: Span[] = [];
  const quotes = new Quotes(cmd);
  netUse(cmd, spans, quotes);
  netUser(cmd, spans, quotes);
  valueAfterFlag(cmd, spans, quotes, /\b(?:psexec(?:64a?)?|paexec|remcom|psexesvc)(?:\.exe)?"?(?=\s|$)/gi, /^[-/]p$/i, /[-/]p(?=[\s"]|$)/i);
  valueAfterFlag(cmd, spans, quotes, /\bschtasks(?:\.exe)?"?(?=\s|$)/gi, /^\/r?p$/i, /\/r?p(?=[\s"]|$)/i);
  regexRules(cmd, spans);
  userInfo(cmd, spans);
  // Never "redact" an already-redacted value (idempotent).
  const real = spans.filter((s) => !(s.end - s.start === REDACTED.length && cmd.startsWith(REDACTED, s.start)));
  if (real.length === 0) return { text: cmd, redacted: false };
  const text = applySpans(cmd, real);
  return { text, redacted: text !== cmd };
}
