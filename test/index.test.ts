import { describe, expect, it } from 'vitest';
import * as api from '../lambda/index';

describe('package entry (lambda/index.ts)', () => {
  it('runs the shipped rule on an event through the public API', async () => {
    const rules = api.loadRulePacks();
    const source = api.MemoryObjectSource.ndjson('k', [{ event_simpleName: 'ProcessRollup2', aid: 'a', ImageFileName: 'C:\\t\\PsExec.exe', timestamp: '1' }]);
    const r = await api.processObject({ bucket: null, key: 'k' }, { source, rules, context: new api.StaticContextStore() });
    expect(r.alerts.map((a) => [a.schema, a.alert_type])).toEqual([[api.ALERT_SCHEMA, 'PsExecExecution']]);
    expect(api.compileQuery('a = 1').query).toBeDefined();
  });
});
