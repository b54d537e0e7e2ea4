// replay writing to a pipe: with backpressure, and ending quietly when the reader goes away (`replay … | head`).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'replay-pipe-'));
  for (let f = 0; f < 4; f++) {
    const lines = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({
        event_simpleName: 'NetworkConnectIP4',
        id: `nc-${f}-${i}`,
        aid: `aaaa0000aaaa0000aaaa0000aaaa${String(f).padStart(4, '0')}`,
        timestamp: String(1795000000000 + i),
        RemoteAddressIP4: `10.1.${i >> 8}.${i & 255}`,
        RemotePort: '445',
        ContextProcessId: String(i),
        ContextBaseFileName: 'scanner.exe',
      }),
    );
    writeFileSync(join(dir, `part-${f}.gz`), gzipSync(lines.join('\n') + '\n'));
  }
});

function replay(args: string[], onStdout: (child: ReturnType<typeof spawn>, chunk: Buffer) => void) {
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'lambda', 'cli', 'main.ts'), 'replay', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = 0;
  child.stderr!.on('data', (d) => (err += d));
  child.stdout!.on('data', (d: Buffer) => {
    out += d.length;
    onStdout(child, d);
  });
  return new Promise<{ code: number | null; err: string; out: number }>((resolve) => child.on('close', (code) => resolve({ code, err, out })));
}

describe('replay to a pipe', () => {
  it('ends quietly (exit 0, no error) when the reader closes the pipe early', async () => {
    const { code, err } = await replay([dir, '--format', 'ndjson'], (child) => child.stdout!.destroy());
    expect(err).not.toMatch(/EPIPE|ENOBUFS|Error|at /);
    expect(code).toBe(0);
  });

  it('writes everything it counts when the reader keeps up', async () => {
    const { code, err, out } = await replay([dir, '--format', 'ndjson', '--include-throttled'], () => undefined);
    expect(code).toBe(0);
    // 4 objects × (1000 alerts kept whole, of which 999 throttled (one SMB445Connection per host and process per hour),
    // + 1 summary of the folded 2000 + 1 SMB445FanOut of the host's 3000 targets): every row is written.
    expect(err).toMatch(/alerts=12 suppressed=0 throttled=3996 aggregate_firings=4 /);
    expect(out).toBeGreaterThan(4008 * 500);
  });
});
