// fitAlert: any record into a sink's size limit, field by field, in time linear in the record's size.
import { describe, expect, it } from 'vitest';
import { fitAlert, TRUNCATION_MARK } from '../../lambda/alerts/fit';
import { makeAlert } from '../support/alert-fixtures';

describe('fitAlert', () => {
  it('leaves a record that fits alone', () => {
    const a = makeAlert({});
    expect(fitAlert(a, 262_144)).toEqual({ json: JSON.stringify(a), bytes: Buffer.byteLength(JSON.stringify(a)), truncated: [] });
  });

  it('cuts a 1 MiB CommandLine first and says so, quickly', () => {
    const a = makeAlert({ CommandLine: 'PsExec.exe '.repeat(100_000) });
    const started = performance.now();
    const r = fitAlert(a, 262_144);
    expect(performance.now() - started).toBeLessThan(750);
    expect(r.bytes).toBeLessThanOrEqual(262_144);
    expect(r.truncated).toEqual(['CommandLine']);
    const body = JSON.parse(r.json);
    expect(body.truncated).toEqual(['CommandLine']);
    expect(body.CommandLine.endsWith(TRUNCATION_MARK)).toBe(true);
    expect(body.alert_id).toBe(a.alert_id);
  });

  it('then the context entries, then the longest strings, never the identity of the alert', () => {
    const huge = 'x'.repeat(300_000);
    const a = makeAlert({ CommandLine: huge, UserName: huge });
    a.context.host = { aid: 'a', computerName: 'H', reason: huge } as never;
    const r = fitAlert(a, 100_000);
    expect(r.bytes).toBeLessThanOrEqual(100_000);
    expect(r.truncated).toEqual(expect.arrayContaining(['CommandLine', 'context.host', 'UserName']));
    expect(JSON.parse(r.json)).toMatchObject({ schema: a.schema, alert_id: a.alert_id, alert_type: a.alert_type });
  });
});
