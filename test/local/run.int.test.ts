// `npm run local`: the whole local demo, called in-process (it starts and stops its own servers).
import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../lambda/alerts/types';
import { runLocal } from '../../lambda/local/run';
import { captureIo } from './helpers';

describe('npm run local', () => {
  it('invokes the handler with every sample event and prints the alerts that reached the subscriber', async () => {
    const endpoints = process.env.AWS_ENDPOINT_URL_S3;
    const io = captureIo();
    const logs: string[] = [];
    const r = await runLocal(io, { logs: (s) => logs.push(s) });
    const out = io.out();
    expect(r.code, io.err()).toBe(0);

    expect(r.invocations.map((i) => i.event)).toEqual([
      's3-direct.json',
      'sqs-crowdstrike-fdr.json',
      'sqs-s3-notification.json',
      'sqs-s3-test-event.json',
    ]);
    for (const inv of r.invocations) {
      expect(inv.error).toBeUndefined();
      expect(inv.unmapped).toEqual([]);
      expect((inv.response as { batchItemFailures?: unknown[] }).batchItemFailures ?? []).toEqual([]);
    }
    expect(out).toContain('0 batchItemFailures');
    expect(out).not.toMatch(/"batchItemFailures":\[\{/);

    const types = r.alerts.map((a) => a.alert.alert_type);
    expect(types).toContain('PsExecExecution');
    expect(types).toContain('NetUseAdminShare');
    expect(types).toContain('RemoteExecService');
    expect(out).toMatch(/\| PsExecExecution +\| medium/);
    expect(out).toMatch(/\| NetUseAdminShare +\| medium/);
    expect(out).toMatch(/\| RemoteExecService +\| high/);
    expect(out).toMatch(/alert_type=PsExecExecution rule_id=t1021-002\S* severity=medium technique=T1021\.002/);
    // batch A is named by both the direct S3 and the SQS sample: its alerts go out once
    expect(new Set(r.alerts.map((a) => a.alert.alert_id)).size).toBe(r.alerts.length);
    expect(r.invocations.find((i) => i.event === 'sqs-s3-notification.json')?.alerts).toBe(0);
    expect(r.alerts).toHaveLength(7);
    // fdrv2/ was synced through the handler first: every alert is named, some only by FDR's own data
    expect(out).toContain('synced FDR secondary data (aidmaster, userinfo) through the handler');
    const records = r.alerts.map((a) => a.alert as unknown as AlertRecord);
    for (const a of records) expect([a.ComputerName, a.UserName], a.alert_id).not.toContain(null);
    expect(records.some((a) => a.context.names.ComputerName === 'context')).toBe(true);

    // the environment it set for its own servers is restored
    expect(process.env.AWS_ENDPOINT_URL_S3).toBe(endpoints);
  });
});
