// Alert records built from rule matches: the severity a query assigns, the rule's own output fields.
import { describe, expect, it } from 'vitest';
import { StaticContextStore } from '../../lambda/context/file';
import { processObject } from '../../lambda/pipeline';
import { MemoryObjectSource } from '../../lambda/sources/file';
import { alertSchemaErrors } from '../support/alert-schema';
import { ruleOf } from '../support/rules';

const net = (over: Record<string, string>) => ({
  event_simpleName: 'NetworkConnectIP4',
  aid: 'a'.repeat(32),
  timestamp: '1795165200000',
  ContextProcessId: '77',
  RemoteAddressIP4: '10.0.7.40',
  RemotePort: '445',
  ...over,
});

async function alertsOf(source: string, events: object[]) {
  const rule = ruleOf('sev', source, { severity: { Smb: 'medium', default: 'medium' } });
  const r = await processObject({ bucket: null, key: 'k' }, { source: MemoryObjectSource.ndjson('k', events), rules: [rule], context: new StaticContextStore() });
  return r.alerts;
}

describe('alert records', () => {
  it('take the severity a query assigns (a valid level, any case), else the metadata’s', async () => {
    const q = '#event_simpleName=NetworkConnectIP4 RemotePort=445 | case { ContextBaseFileName=* | severity := "medium" ; * | severity := "LOW" } | alert_type := "Smb"';
    const got = await alertsOf(q, [net({ ContextBaseFileName: 'python.exe', id: '1' }), net({ id: '2' })]);
    expect(got.map((a) => a.severity)).toEqual(['medium', 'low']);
    for (const a of got) expect(alertSchemaErrors(a)).toEqual([]);
    const invalid = await alertsOf('#event_simpleName=NetworkConnectIP4 | severity := "urgent" | alert_type := "Smb"', [net({ id: '3' })]);
    expect(invalid.map((a) => a.severity)).toEqual(['medium']);
  });

  it('carry the fields the rule assigns or its table names beyond the fixed keys, secrets redacted', async () => {
    const q = '#event_simpleName=NetworkConnectIP4 | target := RemoteAddressIP4 | note := "net use \\\\\\\\h\\\\c$ /user:x s3cret" | alert_type := "Smb" | table([aid, target, note, ContextProcessId])';
    const [a] = await alertsOf(q, [net({ id: '4' })]);
    expect(a.fields.target).toBe('10.0.7.40');
    expect(a.fields.ContextProcessId).toBe('77');
    expect(a.fields.note).not.toContain('s3cret');
    expect(a.redacted).toContain('fields.note');
    expect(a.fields).not.toHaveProperty('aid'); // a fixed key of the record
  });
});
