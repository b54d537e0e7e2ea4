// Objects through the pipeline and the stateful stage with one state store: what a replay or a run of Lambda
// invocations does, in a test's hands.
import { join } from 'node:path';
import { StaticContextStore } from '../../lambda/context/file';
import { policyOf } from '../../lambda/context/policy';
import { loadRulePacks } from '../../lambda/packs/loader';
import { processObject } from '../../lambda/pipeline';
import type { ContextStore, StateStore } from '../../lambda/ports';
import type { LoadedRule } from '../../lambda/rules/rule';
import { MemoryObjectSource } from '../../lambda/sources/file';
import { applyState } from '../../lambda/stateful/index';

export const STATEFUL_PACK = join(__dirname, '..', 'fixtures', 'packs', 'stateful');

export function statefulRule(id: string): LoadedRule {
  const r = loadRulePacks([STATEFUL_PACK]).find((x) => x.meta.id === id);
  if (!r) throw new Error(`no rule ${id} in ${STATEFUL_PACK}`);
  return r;
}

export async function runObject(
  rules: LoadedRule[],
  store: StateStore,
  key: string,
  events: object[],
  o: { context?: ContextStore; now?: number } = {},
) {
  const policy = policyOf(rules);
  const context = o.context ?? new StaticContextStore();
  const result = await processObject({ bucket: 'b', key }, { source: MemoryObjectSource.ndjson(key, events), rules, context, policy });
  const state = await applyState(result, { store, context, policy, now: o.now === undefined ? undefined : () => o.now! });
  return { result, state };
}

export const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
export const AID = '5d0c0a1b2c3d4e5f6a7b8c9d0e1f2a3b';
export const PID = '2233445566778899001';

let seq = 0;
/** A NetworkConnectIP4 to port 445 of `target` at `ts`. */
export function smb(ts: number, target: string, o: { aid?: string; pid?: string; id?: string } = {}) {
  const n = seq++;
  return {
    event_simpleName: 'NetworkConnectIP4',
    aid: o.aid ?? AID,
    cid: 'c0ffee00c0ffee00c0ffee00c0ffee00',
    timestamp: String(ts),
    ContextProcessId: o.pid ?? PID,
    LocalAddressIP4: '10.0.5.23',
    LocalPort: String(50000 + (n % 10000)),
    RemoteAddressIP4: target,
    RemotePort: '445',
    id: o.id ?? `smb-${ts}-${target}-${n}`,
  };
}

/** `n` distinct targets 10.0.7.<from>… */
export const targets = (n: number, from = 10): string[] => Array.from({ length: n }, (_, i) => `10.0.7.${from + i}`);

/** A ProcessRollup2 of PsExec on `aid` at `ts`. */
export function psexec(ts: number, o: { aid?: string; target?: string } = {}) {
  const n = seq++;
  return {
    event_simpleName: 'ProcessRollup2',
    aid: o.aid ?? AID,
    cid: 'c0ffee00c0ffee00c0ffee00c0ffee00',
    timestamp: String(ts),
    ImageFileName: '\\Device\\HarddiskVolume3\\Tools\\PsExec.exe',
    CommandLine: `PsExec.exe \\\\${o.target ?? '10.0.7.40'} -s cmd.exe`,
    UserSid: 'S-1-5-21-1111111111-2222222222-3333333333-1105',
    TargetProcessId: String(9_000_000_000_000_000_000n + BigInt(n)),
    id: `ps-${ts}-${n}`,
  };
}
