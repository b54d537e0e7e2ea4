import { ALERT_SCHEMA, type AlertRecord } from '../../lambda/alerts/types';

export function makeAlert(over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    schema: ALERT_SCHEMA,
    alert_id: 'a'.repeat(16),
    alert_type: 'PsExecExecution',
    rule_id: 't1021-002',
    severity: 'high',
    technique: 'T1021.002',
    tactic: 'lateral-movement',
    '@timestamp': 1_700_000_000_000,
    event_id: 'evt-1',
    event_simpleName: 'ProcessRollup2',
    aid: '0a1b2c3d4e5f',
    cid: 'c1d2',
    ComputerName: 'HOST01',
    UserName: 'CORP\\alice',
    UserSid: 'S-1-5-21-1-2-3-1104',
    FileName: 'PsExec.exe',
    CommandLine: 'PsExec.exe \\\\HOST02 -u CORP\\alice -p [REDACTED] cmd.exe',
    RemoteAddressIP4: null,
    RemotePort: null,
    attribution: 'event',
    context: { host: null, user: null, names: { ComputerName: 'context', UserName: 'context' }, degraded: null },
    source: { bucket: 'b', key: 'data/x/part-00000.gz', line: 1 },
    redacted: ['CommandLine'],
    fields: {},
    ...over,
  };
}
