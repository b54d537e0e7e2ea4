import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';
import { alertSchemaErrors } from '../support/alert-schema';

async function replayNdjson(): Promise<Record<string, unknown>[]> {
  const { out } = await runCli(['replay', '--format', 'ndjson', '--include-suppressed']);
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

describe('alert JSON Schema', () => {
  it('accepts every record the sample replay produces, suppressed ones included', async () => {
    const records = await replayNdjson();
    expect(records.some((r) => r.suppressed)).toBe(true);
    for (const r of records) expect(alertSchemaErrors(r)).toEqual([]);
  });

  it('rejects a record with a missing key, an absent-instead-of-null value, or a bad severity', async () => {
    const [r] = await replayNdjson();
    const { UserSid: _drop, ...missing } = r;
    expect(alertSchemaErrors(missing).join()).toMatch(/UserSid/);
    expect(alertSchemaErrors({ ...r, RemotePort: undefined }).join()).toMatch(/RemotePort/);
    expect(alertSchemaErrors({ ...r, severity: 'urgent' }).join()).toMatch(/severity/);
  });
});
