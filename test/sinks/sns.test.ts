import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishBatchCommand, SNSClient, type PublishBatchCommandInput } from '@aws-sdk/client-sns';
import {
  SNS_MAX_PAYLOAD_BYTES,
  SnsAlertSink,
  alertSubject,
  entrySize,
  sanitizeEntryId,
} from '../../lambda/sinks/sns';
import type { AlertRecord } from '../../lambda/alerts/types';
import { makeAlert } from '../support/alert-fixtures';
import { alertText } from '../../lambda/alerts/text';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:alerts';
const snsMock = mockClient(SNSClient);
const noSleep = { sleep: async () => {}, random: () => 0.5 };

function sentBatches(): PublishBatchCommandInput[] {
  return snsMock.commandCalls(PublishBatchCommand).map((c) => c.args[0].input);
}

function okAll(input: PublishBatchCommandInput) {
  return { Successful: (input.PublishBatchRequestEntries ?? []).map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })), Failed: [] };
}

function checkLimits(batches: PublishBatchCommandInput[]) {
  for (const b of batches) {
    const entries = b.PublishBatchRequestEntries ?? [];
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBeLessThanOrEqual(10);
    const total = entries.reduce((n, e) => n + entrySize(e), 0);
    expect(total).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
    const ids = entries.map((e) => e.Id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of entries) {
      expect(e.Id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      expect(e.Subject!.length).toBeLessThanOrEqual(100);
      expect(e.Subject).toMatch(/^[\x20-\x7e]+$/);
    }
  }
}

describe('SnsAlertSink (mocked SNS)', () => {
  beforeEach(() => snsMock.reset());

  it('publishes one alert with subject, attributes and the full body', async () => {
    snsMock.on(PublishBatchCommand).callsFake(okAll);
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}), retry: noSleep });
    const alert = makeAlert();
    const res = await sink.publish([alert]);
    expect(res).toEqual({ published: [alert.alert_id], failed: [] });
    const [b] = sentBatches();
    expect(b.TopicArn).toBe(TOPIC);
    const e = b.PublishBatchRequestEntries![0];
    expect(e.Subject).toBe('[HIGH] PsExecExecution on HOST01 (CORP\\alice): PsExec.exe');
    expect(JSON.parse(e.Message!)).toEqual(alert);
    expect(e.MessageAttributes).toEqual({
      alert_type: { DataType: 'String', StringValue: 'PsExecExecution' },
      rule_id: { DataType: 'String', StringValue: 't1021-002' },
      severity: { DataType: 'String', StringValue: 'high' },
      technique: { DataType: 'String', StringValue: 'T1021.002' },
      ComputerName: { DataType: 'String', StringValue: 'HOST01' },
    });
  });

  it('omits ComputerName when unknown', async () => {
    snsMock.on(PublishBatchCommand).callsFake(okAll);
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}), retry: noSleep });
    const alert = makeAlert({ ComputerName: null, UserName: null });
    await sink.publish([alert]);
    const e = sentBatches()[0].PublishBatchRequestEntries![0];
    expect(e.MessageAttributes!.ComputerName).toBeUndefined();
    expect(e.Subject).toBe('[HIGH] PsExecExecution on aid 0a1b2c3d4e5f: PsExec.exe');
  });

  it('subjects name the evidence a reader needs first, per kind of event', () => {
    const proc = { RemoteAddressIP4: null, RemotePort: null, CommandLine: null };
    const cases: [Partial<AlertRecord>, string][] = [
      [{ alert_type: 'AdminShareOpened', event_simpleName: 'SmbServerShareOpenedEtw', UserName: 'Administrator', FileName: null, ...proc, fields: { SmbShareName: 'ADMIN$', RemoteAddressIP4: '10.0.66.6' } }, '[HIGH] AdminShareOpened on HOST01 (Administrator): ADMIN$ from 10.0.66.6'],
      [{ alert_type: 'SuspiciousServiceCreated', event_simpleName: 'CreateService', UserName: null, FileName: null, ...proc, fields: { ServiceImagePath: '%SystemRoot%\\PSEXESVC.exe' } }, '[HIGH] SuspiciousServiceCreated on HOST01: service %SystemRoot%\\PSEXESVC.exe'],
      [{ alert_type: 'AdminShareFileWrite', event_simpleName: 'NewExecutableWritten', FileName: 'cmd.exe', ...proc, fields: { TargetFileName: '\\Device\\Mup\\SRV01\\ADMIN$\\x.exe' } }, '[HIGH] AdminShareFileWrite on HOST01 (CORP\\alice): wrote \\Device\\Mup\\SRV01\\ADMIN$\\x.exe (cmd.exe)'],
      [{ alert_type: 'ExecOfSmbWrittenFile', event_simpleName: 'ProcessExecOnSMBFile', UserName: 'Administrator', FileName: 'QwErTyUi.exe', ...proc, fields: { RemoteAddressIP4: '10.0.66.6', ClientComputerName: 'WIN-3KQ9T2' } }, '[HIGH] ExecOfSmbWrittenFile on HOST01 (Administrator): QwErTyUi.exe written from 10.0.66.6'],
      [{ alert_type: 'SMB445Connection', event_simpleName: 'NetworkConnectIP4', FileName: 'nxc.exe', CommandLine: null, RemoteAddressIP4: '10.0.7.50', RemotePort: '445' }, '[HIGH] SMB445Connection on HOST01 (CORP\\alice): nxc.exe to 10.0.7.50:445'],
      [{ alert_type: 'SMB445Connection', event_simpleName: 'NetworkConnectIP4', severity: 'low', UserName: null, FileName: null, attribution: 'unresolved', CommandLine: null, RemoteAddressIP4: '10.0.1.10', RemotePort: '445' }, '[LOW] SMB445Connection on HOST01: unresolved process to 10.0.1.10:445'],
      [{ alert_type: 'RemoteExecChild', FileName: 'cmd.exe', fields: { ParentBaseFileName: 'PSEXESVC.exe' } }, '[HIGH] RemoteExecChild on HOST01 (CORP\\alice): cmd.exe under PSEXESVC.exe'],
      [
        {
          alert_type: 'SMB445FanOut', event_simpleName: 'NetworkConnectIP4', FileName: 'nxc.exe', ...proc, RemoteAddressIP4: '10.0.7.61', RemotePort: '445', fields: { TargetCount: '12' },
          aggregate: { group: { aid: 'a' }, window: { start: 0, end: 1, size: '10m' }, count: 12, values: { TargetCount: '12' }, event_ids: [], first_seen: 0, last_seen: 1 },
        },
        '[HIGH] SMB445FanOut on HOST01 (CORP\\alice): 12 targets in 10m from nxc.exe',
      ],
    ];
    for (const [over, subject] of cases) expect(alertSubject(makeAlert(over))).toBe(subject);
    // The host and the user come first: a long piece of evidence is what gets cut.
    const long = alertSubject(makeAlert({ alert_type: 'AdminShareFileWrite', FileName: null, fields: { TargetFileName: `\\Device\\Mup\\${'x'.repeat(200)}` } }));
    expect(long).toMatch(/^\[HIGH\] AdminShareFileWrite on HOST01 \(CORP\\alice\): wrote \\Device\\Mup\\x+\.\.\.$/);
    expect(long).toHaveLength(100);
  });

  it('subjects are ASCII and at most 100 characters', () => {
    const s = alertSubject(makeAlert({ ComputerName: 'HÖST-ünïcode-' + 'x'.repeat(200), UserName: 'CORP\\\n' }));
    expect(s.length).toBeLessThanOrEqual(100);
    expect(s).toMatch(/^[\x20-\x7e]+$/);
  });

  it('entry ids are sanitized, bounded and distinct', () => {
    expect(sanitizeEntryId('abc:def/ghi.jkl')).toBe('abc_def_ghi_jkl');
    expect(sanitizeEntryId('x'.repeat(200))).toHaveLength(80);
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}) });
    const entries = sink.prepare([makeAlert({ alert_id: 'a:b' }), makeAlert({ alert_id: 'a/b' }), makeAlert({ alert_id: 'a.b' })]);
    expect(new Set(entries.map((e) => e.entry.Id)).size).toBe(3);
  });

  it('chunks many alerts within 10 entries and 256 KiB per request, losing none', async () => {
    snsMock.on(PublishBatchCommand).callsFake(okAll);
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}), retry: noSleep });
    const alerts = Array.from({ length: 137 }, (_, i) =>
      makeAlert({ alert_id: `id-${i}`, CommandLine: 'c'.repeat(i % 3 === 0 ? 60_000 : 100 + i) }),
    );
    const res = await sink.publish(alerts);
    expect(res.failed).toEqual([]);
    expect(res.published.sort()).toEqual(alerts.map((a) => a.alert_id).sort());
    const batches = sentBatches();
    checkLimits(batches);
    expect(batches.reduce((n, b) => n + b.PublishBatchRequestEntries!.length, 0)).toBe(137);
    // big entries force smaller batches
    expect(batches.some((b) => b.PublishBatchRequestEntries!.length < 10)).toBe(true);
  });

  it('multi-byte payloads are measured in bytes, not characters', async () => {
    snsMock.on(PublishBatchCommand).callsFake(okAll);
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}), retry: noSleep });
    const alerts = Array.from({ length: 30 }, (_, i) => makeAlert({ alert_id: `u-${i}`, CommandLine: '日本語'.repeat(9_000) }));
    const res = await sink.publish(alerts);
    expect(res.published).toHaveLength(30);
    checkLimits(sentBatches());
  });

  it('truncates a giant alert field by field with a marker, never drops it', async () => {
    snsMock.on(PublishBatchCommand).callsFake(okAll);
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}), retry: noSleep });
    const giant = makeAlert({
      alert_id: 'giant',
      CommandLine: 'x'.repeat(2_000_000),
      context: {
        host: { aid: 'a', computerName: 'HOST01', tags: ['it-admin'], reason: 'r'.repeat(400_000) },
        user: { userName: 'CORP\\alice', tags: ['t'], owner: 'o'.repeat(300_000) },
        names: { ComputerName: 'context', UserName: 'context' },
        degraded: null,
      },
      FileName: 'f'.repeat(300_000),
    });
    const small = makeAlert({ alert_id: 'small' });
    const res = await sink.publish([giant, small]);
    expect(res.published.sort()).toEqual(['giant', 'small']);
    const batches = sentBatches();
    checkLimits(batches);
    const entries = batches.flatMap((b) => b.PublishBatchRequestEntries!);
    const body = JSON.parse(entries.find((e) => e.Id === 'giant')!.Message!);
    expect(body.truncated[0]).toBe('CommandLine');
    expect(body.truncated).toEqual(expect.arrayContaining(['CommandLine', 'context.host', 'context.user', 'FileName']));
    expect(body.CommandLine.endsWith('…[truncated]')).toBe(true);
    expect(body.alert_id).toBe('giant');
    expect(body.alert_type).toBe('PsExecExecution');
    const smallBody = JSON.parse(entries.find((e) => e.Id === 'small')!.Message!);
    expect(smallBody.truncated).toBeUndefined();
  });

  it('with an email text, publishes per protocol: default the record, email the text, within the limit even for a giant alert', async () => {
    snsMock.on(PublishBatchCommand).callsFake(okAll);
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}), retry: noSleep, emailText: (a) => alertText(a) });
    // Quotes and backslashes double when the record is a JSON string inside JSON: the fit must account for it.
    const giant = makeAlert({ alert_id: 'giant', CommandLine: '"\\'.repeat(400_000) });
    const small = makeAlert({ alert_id: 'small' });
    const res = await sink.publish([giant, small]);
    expect(res.published.sort()).toEqual(['giant', 'small']);
    const batches = sentBatches();
    checkLimits(batches);
    for (const e of batches.flatMap((b) => b.PublishBatchRequestEntries!)) {
      expect(e.MessageStructure).toBe('json');
      const wrapper = JSON.parse(e.Message!) as { default: string; email: string };
      const record = JSON.parse(wrapper.default);
      expect(record.alert_id).toBe(e.Id);
      expect(wrapper.email).toContain(`Alert id: ${e.Id}`);
      if (e.Id === 'giant') expect(record.truncated).toContain('CommandLine');
      else expect(record).toEqual(small);
    }
  });

  it('a CommandLine-only overflow keeps as much CommandLine as fits', async () => {
    snsMock.on(PublishBatchCommand).callsFake(okAll);
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}), retry: noSleep });
    await sink.publish([makeAlert({ CommandLine: 'y'.repeat(300_000) })]);
    const e = sentBatches()[0].PublishBatchRequestEntries![0];
    const body = JSON.parse(e.Message!);
    expect(body.truncated).toEqual(['CommandLine']);
    expect(body.CommandLine.length).toBeGreaterThan(250_000);
    expect(entrySize(e)).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
  });

  it('retries partially failed entries (server faults) until published', async () => {
    let call = 0;
    snsMock.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      call++;
      const entries = input.PublishBatchRequestEntries ?? [];
      if (call <= 2) {
        // fail every other entry with a server-side fault
        return {
          Successful: entries.filter((_, i) => i % 2 === 0).map((e) => ({ Id: e.Id, MessageId: 'm' })),
          Failed: entries.filter((_, i) => i % 2 === 1).map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
        };
      }
      return okAll(input);
    });
    const slept: number[] = [];
    const sink = new SnsAlertSink({
      topicArn: TOPIC,
      client: new SNSClient({}),
      retry: { sleep: async (ms) => void slept.push(ms), random: () => 1, baseDelayMs: 50 },
      concurrency: 1,
    });
    const alerts = Array.from({ length: 10 }, (_, i) => makeAlert({ alert_id: `p-${i}` }));
    const res = await sink.publish(alerts);
    expect(res.failed).toEqual([]);
    expect(res.published.sort()).toEqual(alerts.map((a) => a.alert_id).sort());
    expect(slept).toEqual([50, 100]);
  });

  it('sender faults fail at once; persistent server faults fail after the attempts, reported per id', async () => {
    snsMock.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      const entries = input.PublishBatchRequestEntries ?? [];
      return {
        Successful: [{ Id: entries[0].Id, MessageId: 'm' }],
        Failed: entries.slice(1).map((e) =>
          e.Id === 'bad' ? { Id: e.Id, Code: 'InvalidParameter', SenderFault: true } : { Id: e.Id, Code: 'InternalError', SenderFault: false },
        ),
      };
    });
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}), retry: { ...noSleep, attempts: 3 } });
    const res = await sink.publish([makeAlert({ alert_id: 'ok' }), makeAlert({ alert_id: 'bad' }), makeAlert({ alert_id: 'flaky' })]);
    // attempt 1 publishes 'ok'; 'flaky' is first on attempts 2 and 3 and succeeds on attempt 2
    expect(res.published.sort()).toEqual(['flaky', 'ok']);
    expect(res.failed).toEqual([{ alert_id: 'bad', error: 'InvalidParameter:' }]);
  });

  it('retries a throttled call', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttled', $metadata: { httpStatusCode: 400 } });
    snsMock.on(PublishBatchCommand).rejectsOnce(throttled).rejectsOnce(throttled).callsFake(okAll);
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}), retry: noSleep });
    const alerts = Array.from({ length: 3 }, (_, i) => makeAlert({ alert_id: `t-${i}` }));
    const res = await sink.publish(alerts);
    expect(res.failed).toEqual([]);
    expect(res.published).toHaveLength(3);
    expect(sentBatches()).toHaveLength(3);
  });

  it('gives up on throttling after the attempts and lists every id as failed', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    snsMock.on(PublishBatchCommand).rejects(throttled);
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}), retry: { ...noSleep, attempts: 2 } });
    const alerts = Array.from({ length: 12 }, (_, i) => makeAlert({ alert_id: `g-${i}` }));
    const res = await sink.publish(alerts);
    expect(res.published).toEqual([]);
    expect(res.failed.map((f) => f.alert_id).sort()).toEqual(alerts.map((a) => a.alert_id).sort());
    expect(sentBatches()).toHaveLength(4);
  });

  it('a non-transient call error fails the batch without retrying', async () => {
    snsMock.on(PublishBatchCommand).rejects(Object.assign(new Error('no such topic'), { name: 'NotFoundException' }));
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}), retry: noSleep });
    const res = await sink.publish([makeAlert()]);
    expect(res.failed).toHaveLength(1);
    expect(sentBatches()).toHaveLength(1);
  });

  it('publishing nothing sends nothing', async () => {
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({}) });
    expect(await sink.publish([])).toEqual({ published: [], failed: [] });
    expect(sentBatches()).toHaveLength(0);
  });
});
