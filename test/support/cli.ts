// Runs the fdr-detect CLI in-process and captures what it writes.
import { PassThrough } from 'node:stream';
import { main } from '../../lambda/cli/main';

export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(args, { stdout, stderr });
  return { code, out, err };
}
