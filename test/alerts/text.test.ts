// The email text of an alert: built from the record (already redacted) and the rule's guide; bounded.
import { describe, expect, it } from 'vitest';
import { alertText, TEXT_MAX, VALUE_MAX } from '../../lambda/alerts/text';
import { makeAlert } from '../support/alert-fixtures';

const guide = { summary: 'PsExec ran.', why: 'Remote execution over SMB.', falsePositives: 'Admins.', tuning: 'Tag them.', evidence: ['target', 'share'] };

describe('alert text', () => {
  it('names what happened, where, by whom, the evidence in the guide’s order, the guidance and the alert id', () => {
    const a = makeAlert({ fields: { share: 'ADMIN$', other: 'x', target: '10.0.7.40', empty: null } });
    const t = alertText(a, guide);
    const lines = t.split('\n');
    expect(lines[0]).toBe('[HIGH] PsExecExecution on HOST01 by CORP\\alice');
    expect(t).toContain('What happened: PsExec ran.');
    expect(t).toContain('When: 2023-11-14 22:13:20 UTC');
    expect(t).toContain('Command line: PsExec.exe \\\\HOST02 -u CORP\\alice -p [REDACTED] cmd.exe');
    const ev = lines.slice(lines.indexOf('Evidence:') + 1, lines.indexOf('Evidence:') + 4);
    expect(ev).toEqual(['  target: 10.0.7.40', '  share: ADMIN$', '  other: x']);
    expect(t).not.toContain('empty');
    expect(t).toContain('Why it matters (T1021.002, lateral-movement): Remote execution over SMB.');
    expect(t).toContain('Known false positives: Admins.');
    expect(t).toContain('Tuning: Tag them.');
    expect(lines.at(-2)).toBe(`Alert id: ${a.alert_id} · rule t1021-002 · s3://b/data/x/part-00000.gz line 1`);
  });

  it('shows an aggregate: count, span, group and values', () => {
    const a = makeAlert({
      aggregate: { group: { aid: 'a1' }, window: { start: 0, end: 660_000, size: '10m' }, count: 12, values: { targets: '12', RemoteAddressIP4: '10.0.0.1\n10.0.0.2' }, event_ids: [], first_seen: 0, last_seen: 60_000 },
    });
    const t = alertText(a);
    expect(t).toContain('Aggregate: 12 events from 1970-01-01 00:00:00 UTC to 1970-01-01 00:01:00 UTC (window 10m); group aid=a1');
    expect(t).toContain('  RemoteAddressIP4: 10.0.0.1, 10.0.0.2');
  });

  it('is bounded whatever the record holds', () => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < 100; i++) fields[`f${i}`] = 'y'.repeat(50_000);
    const t = alertText(makeAlert({ CommandLine: 'x'.repeat(1_000_000), fields }), guide);
    expect(t.length).toBeLessThanOrEqual(TEXT_MAX);
    expect(t.split('\n').every((l) => l.length <= VALUE_MAX + 40)).toBe(true);
  });
});
