// SnsAlertSink against fauxqs: topic → SQS subscription → read the messages back.
import { describe, expect, it } from 'vitest';
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsAlertSink } from '../../lambda/sinks/sns';
import { makeAlert } from '../support/alert-fixtures';
import { drain, topicWithQueue } from '../support/aws';

describe('SnsAlertSink → fauxqs', () => {
  it('delivers body and message attributes to a subscribed queue', async () => {
    const { topicArn, queueUrl } = await topicWithQueue();
    const sink = new SnsAlertSink({ topicArn, client: new SNSClient({}) });
    const alerts = Array.from({ length: 23 }, (_, i) => makeAlert({ alert_id: `int-${i}`, ComputerName: i === 0 ? null : `HOST${i}` }));
    const res = await sink.publish(alerts);
    expect(res.failed).toEqual([]);
    expect(res.published).toHaveLength(23);
    const msgs = await drain(queueUrl, 23);
    expect(msgs).toHaveLength(23);
    const bodies = msgs.map((m) => JSON.parse(m.Body!));
    expect(bodies.map((b) => b.alert_id).sort()).toEqual(alerts.map((a) => a.alert_id).sort());
    const m5 = msgs.find((m) => JSON.parse(m.Body!).alert_id === 'int-5')!;
    expect(JSON.parse(m5.Body!)).toEqual(alerts[5]);
    expect(m5.MessageAttributes?.alert_type?.StringValue).toBe('PsExecExecution');
    expect(m5.MessageAttributes?.severity?.StringValue).toBe('high');
    expect(m5.MessageAttributes?.technique?.StringValue).toBe('T1021.002');
    expect(m5.MessageAttributes?.ComputerName?.StringValue).toBe('HOST5');
    const m0 = msgs.find((m) => JSON.parse(m.Body!).alert_id === 'int-0')!;
    expect(m0.MessageAttributes?.ComputerName).toBeUndefined();
  });

  it('a FilterPolicy on alert_type delivers only that type', async () => {
    const { topicArn, queueUrl } = await topicWithQueue({ filterPolicy: { alert_type: ['SMB445Connection'] } });
    const sink = new SnsAlertSink({ topicArn, client: new SNSClient({}) });
    await sink.publish([
      makeAlert({ alert_id: 'f-1', alert_type: 'PsExecExecution' }),
      makeAlert({ alert_id: 'f-2', alert_type: 'SMB445Connection', severity: 'medium' }),
      makeAlert({ alert_id: 'f-3', alert_type: 'NetUseAdminShare' }),
    ]);
    const msgs = await drain(queueUrl);
    expect(msgs.map((m) => JSON.parse(m.Body!).alert_id)).toEqual(['f-2']);
  });

  it('a truncated giant alert arrives', async () => {
    const { topicArn, queueUrl } = await topicWithQueue();
    const sink = new SnsAlertSink({ topicArn, client: new SNSClient({}) });
    await sink.publish([makeAlert({ alert_id: 'big', CommandLine: 'z'.repeat(1_000_000) })]);
    const [m] = await drain(queueUrl, 1);
    const body = JSON.parse(m.Body!);
    expect(body.truncated).toEqual(['CommandLine']);
    expect(Buffer.byteLength(m.Body!)).toBeLessThanOrEqual(262_144);
  });
});
