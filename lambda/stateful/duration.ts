/** Durations as rule metadata writes them, LogScale style: `30s`, `10m`, `1h`, `1d`, `500ms`, also `1h30m`. */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+)(ms|s|m|h|d|w)/gy;

/** Milliseconds, or null when `text` is not a duration (a positive number followed by a unit, repeated). */
export function parseDuration(text: string): number | null {
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(text)) return null;
  let ms = 0;
  PART.lastIndex = 0;
  for (let m = PART.exec(text); m !== null; m = PART.exec(text)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms > 0 ? ms : null;
}

/** `3600000` → `1h`, `90000` → `1m30s`. */
export function formatDuration(ms: number): string {
  const out: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]] as const) {
    if (rest >= size) {
      out.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return out.join('') || '0ms';
}
