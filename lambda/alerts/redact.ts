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
 * The argument tokens that follow `from` up to the end of that command (an unquoted `&`, `|` or the end).
 * When `from` lies inside a quoted string (`cmd /c "net use …"`), the command ends at the closing quote and
 * its tokens split on whitespace only (nested quotes are ambiguous in cmd and rare in practice).
 */
function argTokens(text: string, from: number): Token[] {
  let quotesBefore = 0;
  for (let i = 0; i < from; i++) if (text.charCodeAt(i) === 0x22) quotesBefore++;
  const tokens: Token[] = [];
  if (quotesBefore % 2 === 1) {
    const close = text.indexOf('"', from);
    const end = close === -1 ? text.length : close;
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
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    const c = text[i];
    if (c === '&' || c === '|') break;
    const start = i;
    while (i < n && !/\s/.test(text[i])) {
      const ch = text[i];
      if (ch === '"') {
        const close = text.indexOf('"', i + 1);
        if (close === -1) {
          // An unbalanced quote: the rest is not part of this token (it is usually an outer quote's end).
          if (i === start) i = n;
          break;
        }
        i = close + 1;
        continue;
      }
      // `2>&1` keeps its `&`; any other unquoted & or | ends the command.
      if ((ch === '&' || ch === '|') && !(ch === '&' && text[i - 1] === '>')) break;
      i++;
    }
    if (i === start) break;
    const raw = text.slice(start, i);
    tokens.push({ start, end: i, raw, value: raw.replace(/"/g, '') });
  }
  return tokens;
}

function isRedirection(value: string): boolean {
  return /^\d?[<>]/.test(value);
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

function netUse(text: string, spans: Span[]): void {
  const re = /\bnet1?(?:\.exe)?"?\s+use(?=\s|$)/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const tokens = argTokens(text, m.index + m[0].length);
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
  }
}

function netUser(text: string, spans: Span[]): void {
  const re = /\bnet1?(?:\.exe)?"?\s+user(?=\s|$)/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const pos = positionals(argTokens(text, m.index + m[0].length));
    const pw = pos[1];
    if (pw && pw.tok.value !== '*') spans.push({ start: pw.tok.start, end: pw.tok.end });
  }
}

/** `-p <value>` of PsExec-family tools; also schtasks' `/p` and `/rp`. */
function valueAfterFlag(text: string, spans: Span[], tool: RegExp, flag: RegExp): void {
  let m: RegExpExecArray | null;
  tool.lastIndex = 0;
  while ((m = tool.exec(text)) !== null) {
    const tokens = argTokens(text, m.index + m[0].length);
    for (let k = 0; k + 1 < tokens.length; k++) {
      if (flag.test(tokens[k].value)) {
        const v = tokens[k + 1];
        spans.push({ start: v.start, end: v.end });
        k++;
      }
    }
  }
}

const VALUE = `("[^"]*"|'[^']*'|[^\\s"']+)`;

/** Regex rules: group 1 is what is kept before the secret, group 2 is the secret. */
const REGEX_RULES: RegExp[] = [
  // /p:x /pass:x /password:x /pwd:x -p:x --password=x -password:x
  new RegExp(`(?<=^|[\\s"'])((?:/|--?)(?:p|pw|${PASSWORD_KEYS})[:=])${VALUE}`, 'gi'),
  // --password x, -Password x, /password x, -pw x, /pwd x (space-separated, long names only)
  new RegExp(`(?<=^|[\\s"'])((?:/|--?)(?:pw|pwd|passwd|password)\\s+)(?![-/])${VALUE}`, 'gi'),
  new RegExp(`(?<=^|[\\s"'])(--pass\\s+)(?![-/])${VALUE}`, 'gi'),
  // impacket -hashes LMHASH:NTHASH; Invoke-SMBExec / Invoke-WMIExec -Hash NTHASH; -NTHash, -NTLMHash
  new RegExp(`(?<=^|[\\s"'])(-(?:hashes|hash|nthash|ntlmhash)\\s+)${VALUE}`, 'gi'),
  // mimikatz sekurlsa::pth /ntlm:… /rc4:… /aes128:… /aes256:…
  new RegExp(`(?<=^|[\\s"'])(/(?:ntlm|rc4|aes128|aes256)[:=])${VALUE}`, 'gi'),
  // password=x in scripts and connection strings
  new RegExp(`(?<![\\w/-])((?:${PASSWORD_KEYS})\\s*=\\s*)("[^"]*"|'[^']*'|[^\\s;"'&|,]+)`, 'gi'),
  // DOMAIN/user:password@target (impacket)
  /(?<=^|[\s"'])((?:[\w.-]+\/)?[\w.$-]+:)([^\s@:/\\"']+)(?=@[\w.-]+)/g,
  // scheme://user:password@host
  /(:\/\/[^\s:@/]+:)([^\s@/]+)(?=@)/g,
  // PowerShell ConvertTo-SecureString 'x' / -String 'x'
  /(ConvertTo-SecureString\s+(?:-String\s+)?)("[^"]*"|'[^']*'|[^\s"'|)]+)/gi,
];

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

function applySpans(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start < last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  let out = '';
  let pos = 0;
  for (const s of merged) {
    out += text.slice(pos, s.start) + REDACTED;
    pos = s.end;
  }
  return out + text.slice(pos);
}

/** Replace credentials in a command line with `[REDACTED]`. `redacted` says whether anything was replaced. */
export function redactCommandLine(cmd: string): { text: string; redacted: boolean } {
  if (!cmd) return { text: cmd, redacted: false };
  const spans: Span[] = [];
  netUse(cmd, spans);
  netUser(cmd, spans);
  valueAfterFlag(cmd, spans, /\b(?:psexec(?:64a?)?|paexec|remcom|psexesvc)(?:\.exe)?"?(?=\s|$)/gi, /^[-/]p$/i);
  valueAfterFlag(cmd, spans, /\bschtasks(?:\.exe)?"?(?=\s|$)/gi, /^\/r?p$/i);
  regexRules(cmd, spans);
  // Never "redact" an already-redacted value (idempotent).
  const real = spans.filter((s) => cmd.slice(s.start, s.end) !== REDACTED);
  if (real.length === 0) return { text: cmd, redacted: false };
  const text = applySpans(cmd, real);
  return { text, redacted: text !== cmd };
}
