/**
 * `formatTime()`'s format strings: LogScale's strftime-like subset of Java's date/time conversions, compiled once.
 *
 *   %Y %y %C  year, 2-digit year, century      %m %B %b %h  month: 01–12, name, short name
 *   %d %e %j  day of month 01–31 / 1–31, day of year 001–366
 *   %A %a     weekday name, short name          %H %k %I %l  hour: 00–23, 0–23, 01–12, 1–12
 *   %M %S %L %N  minute, second, millisecond (000–999), nanosecond    %p  am / pm
 *   %z %Z     zone offset (+0000), zone name    %s %Q  seconds / milliseconds since the epoch
 *   %R %T %r %D %F %c  %H:%M, %H:%M:%S, %I:%M:%S %p, %m/%d/%y, %Y-%m-%d, %a %b %d %T %Z %Y     %% %n
 *
 * Names are English (the `locale` argument is accepted and does not change them). Zone names come from the
 * platform's time-zone data (`UTC`, `EST`, `GMT+1`…), which may spell some zones differently from Java.
 */

export interface TimeFormatter {
  (epochMs: number): string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const EXPAND: Record<string, string> = { R: '%H:%M', T: '%H:%M:%S', r: '%I:%M:%S %p', D: '%m/%d/%y', F: '%Y-%m-%d', c: '%a %b %d %T %Z %Y' };
const SUPPORTED = new Set([...'YyCmBbhdejAaHkIlMSLNpzZsQ%n']);

interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
  offsetMin: number;
  zoneName: string;
}

/** A time zone: a fixed offset (`Z`, `UTC`, `+02:00`) or an IANA / platform zone name. Undefined when unknown. */
export function timeZone(name: string): ((ms: number) => Wall) | undefined {
  const fixed = /^(?:(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?|Z|UTC|GMT)$/i.exec(name);
  if (fixed) {
    const off = fixed[1] === undefined ? 0 : (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3] ?? 0));
    if (Math.abs(off) > 18 * 60) return undefined;
    const zoneName = off === 0 ? (/^gmt$/i.test(name) ? 'GMT' : 'UTC') : offsetText(off, true);
    return (ms) => wallFromUtc(ms, off, zoneName);
  }
  let dtf: Intl.DateTimeFormat;
  try {
    dtf = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
    });
  } catch {
    return undefined;
  }
  return (ms) => {
    const parts: Record<string, string> = {};
    for (const p of dtf.formatToParts(new Date(ms))) parts[p.type] = p.value;
    const y = Number(parts.year);
    const mo = Number(parts.month);
    const d = Number(parts.day);
    const h = Number(parts.hour) % 24;
    const mi = Number(parts.minute);
    const s = Number(parts.second);
    const local = Date.UTC(y, mo - 1, d, h, mi, s);
    const offsetMin = Math.round((local - Math.floor(ms / 1000) * 1000) / 60000);
    return { ...wallFromUtc(ms, offsetMin, parts.timeZoneName ?? name), zoneName: parts.timeZoneName ?? name };
  };
}

function wallFromUtc(ms: number, offsetMin: number, zoneName: string): Wall {
  const t = new Date(ms + offsetMin * 60000);
  return {
    year: t.getUTCFullYear(),
    month: t.getUTCMonth() + 1,
    day: t.getUTCDate(),
    hour: t.getUTCHours(),
    minute: t.getUTCMinutes(),
    second: t.getUTCSeconds(),
    weekday: t.getUTCDay(),
    offsetMin,
    zoneName,
  };
}

function offsetText(min: number, colon = false): string {
  const a = Math.abs(min);
  const hh = String(Math.floor(a / 60)).padStart(2, '0');
  const mm = String(a % 60).padStart(2, '0');
  return `${min < 0 ? '-' : '+'}${hh}${colon ? ':' : ''}${mm}`;
}

const p2 = (n: number): string => String(n).padStart(2, '0');

/** Compiles a format; returns an error message for an unsupported conversion. */
export function compileTimeFormat(format: string, zone: (ms: number) => Wall): TimeFormatter | { error: string } {
  let fmt = format;
  for (let k = 0; k < 3; k++) fmt = fmt.replace(/%([RTrDFc])/g, (_, c: string) => EXPAND[c]);
  const pieces: (string | ((w: Wall, ms: number) => string))[] = [];
  let lit = '';
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== '%') {
      lit += fmt[i];
      continue;
    }
    const c = fmt[i + 1];
    if (c === undefined || !SUPPORTED.has(c)) return { error: `unsupported time conversion \`%${c ?? ''}\`` };
    i++;
    if (c === '%' || c === 'n') {
      lit += c === '%' ? '%' : '\n';
      continue;
    }
    if (lit !== '') pieces.push(lit);
    lit = '';
    pieces.push(conversion(c));
  }
  if (lit !== '') pieces.push(lit);
  return (ms) => {
    const w = zone(ms);
    let out = '';
    for (const p of pieces) out += typeof p === 'string' ? p : p(w, ms);
    return out;
  };
}

function dayOfYear(w: Wall): number {
  return Math.round((Date.UTC(w.year, w.month - 1, w.day) - Date.UTC(w.year, 0, 1)) / 86400000) + 1;
}

function conversion(c: string): (w: Wall, ms: number) => string {
  switch (c) {
    case 'Y':
      return (w) => String(w.year).padStart(4, '0');
    case 'y':
      return (w) => p2(((w.year % 100) + 100) % 100);
    case 'C':
      return (w) => p2(Math.floor(w.year / 100));
    case 'm':
      return (w) => p2(w.month);
    case 'B':
      return (w) => MONTHS[w.month - 1];
    case 'b':
    case 'h':
      return (w) => MONTHS[w.month - 1].slice(0, 3);
    case 'd':
      return (w) => p2(w.day);
    case 'e':
      return (w) => String(w.day);
    case 'j':
      return (w) => String(dayOfYear(w)).padStart(3, '0');
    case 'A':
      return (w) => DAYS[w.weekday];
    case 'a':
      return (w) => DAYS[w.weekday].slice(0, 3);
    case 'H':
      return (w) => p2(w.hour);
    case 'k':
      return (w) => String(w.hour);
    case 'I':
      return (w) => p2(w.hour % 12 === 0 ? 12 : w.hour % 12);
    case 'l':
      return (w) => String(w.hour % 12 === 0 ? 12 : w.hour % 12);
    case 'M':
      return (w) => p2(w.minute);
    case 'S':
      return (w) => p2(w.second);
    case 'L':
      return (_, ms) => String(((Math.floor(ms) % 1000) + 1000) % 1000).padStart(3, '0');
    case 'N':
      return (_, ms) => String(Math.round((((ms % 1000) + 1000) % 1000) * 1e6)).padStart(9, '0');
    case 'p':
      return (w) => (w.hour < 12 ? 'am' : 'pm');
    case 'z':
      return (w) => offsetText(w.offsetMin);
    case 'Z':
      return (w) => w.zoneName;
    case 's':
      return (_, ms) => String(Math.floor(ms / 1000));
    case 'Q':
      return (_, ms) => String(Math.floor(ms));
    default:
      return () => '';
  }
}

/** `unit=auto`: up to 100,000,000,000 the number is seconds, above it milliseconds (LogScale's rule). */
export function toEpochMs(value: number, unit: 'auto' | 'seconds' | 'milliseconds'): number {
  if (unit === 'seconds' || (unit === 'auto' && Math.abs(value) <= 100_000_000_000)) return value * 1000;
  return value;
}
