import { describe, expect, it } from 'vitest';
import { redactCommandLine, REDACTED } from '../../lambda/alerts/redact';

const R = REDACTED;

describe('redactCommandLine', () => {
  const changed: [string, string][] = [
    ['net use \\\\host\\C$ P@ssw0rd1 /u:DOMAIN\\Administrator', `net use \\\\host\\C$ ${R} /u:DOMAIN\\Administrator`],
    ['net.exe use \\\\10.0.0.5\\ADMIN$ Secr3t! /user:CORP\\alice', `net.exe use \\\\10.0.0.5\\ADMIN$ ${R} /user:CORP\\alice`],
    ['net use \\\\h\\c$ /user:CORP\\bob hunter2', `net use \\\\h\\c$ /user:CORP\\bob ${R}`],
    ['net use \\\\h\\IPC$ "" /u:CORP\\alice', `net use \\\\h\\IPC$ ${R} /u:CORP\\alice`],
    ['net use Z: \\\\h\\share "pass word" /persistent:no', `net use Z: \\\\h\\share ${R} /persistent:no`],
    ['C:\\Windows\\system32\\net1.exe use \\\\FS01\\D$ pw123 /USER:corp\\x', `C:\\Windows\\system32\\net1.exe use \\\\FS01\\D$ ${R} /USER:corp\\x`],
    ['cmd.exe /c "net use \\\\h\\c$ P4ss /u:CORP\\a"', `cmd.exe /c "net use \\\\h\\c$ ${R} /u:CORP\\a"`],
    ['cmd /c net use \\\\h\\c$ pw /u:a & dir \\\\h\\c$', `cmd /c net use \\\\h\\c$ ${R} /u:a & dir \\\\h\\c$`],
    ['net use \\\\h\\c$ pw /u:a >nul 2>&1', `net use \\\\h\\c$ ${R} /u:a >nul 2>&1`],
    ['net user backdoor Winter2024! /add', `net user backdoor ${R} /add`],
    ['psexec.exe \\\\h -u CORP\\admin -p Passw0rd cmd.exe', `psexec.exe \\\\h -u CORP\\admin -p ${R} cmd.exe`],
    ['PsExec64.exe \\\\h -u CORP\\admin -p "pass with space" -s cmd', `PsExec64.exe \\\\h -u CORP\\admin -p ${R} -s cmd`],
    ['paexec \\\\h -u a -p x1 -s cmd', `paexec \\\\h -u a -p ${R} -s cmd`],
    ['cmd /c "psexec \\\\h -u a -p secret whoami"', `cmd /c "psexec \\\\h -u a -p ${R} whoami"`],
    ['wmic /node:h /user:CORP\\a /password:S3cret process call create calc', `wmic /node:h /user:CORP\\a /password:${R} process call create calc`],
    ['tool.exe /u:admin /p:pass', `tool.exe /u:admin /p:${R}`],
    ['cmdkey /add:h /user:CORP\\a /pass:Secret1', `cmdkey /add:h /user:CORP\\a /pass:${R}`],
    ['app --user bob --password hunter2 --verbose', `app --user bob --password ${R} --verbose`],
    ['app --password=hunter2', `app --password=${R}`],
    ['sqlcmd -S db "Server=db;User Id=sa;Password=Pa55;"', `sqlcmd -S db "Server=db;User Id=sa;Password=${R};"`],
    ['script.ps1 password=abc user=bob', `script.ps1 password=${R} user=bob`],
    ['schtasks /create /s h /u CORP\\a /p Pw1 /ru SYSTEM /tn t /tr calc', `schtasks /create /s h /u CORP\\a /p ${R} /ru SYSTEM /tn t /tr calc`],
    ['python psexec.py CORP/admin:Passw0rd@10.0.0.5 cmd', `python psexec.py CORP/admin:${R}@10.0.0.5 cmd`],
    ['psexec.py admin:Pw@host', `psexec.py admin:${R}@host`],
    ['wmiexec.py -hashes aad3b435b51404ee:31d6cfe0d16ae931 CORP/admin@h', `wmiexec.py -hashes ${R} CORP/admin@h`],
    ['curl https://bob:pw@example.com/x', `curl https://bob:${R}@example.com/x`],
    [
      'powershell.exe -c "Invoke-SMBExec -Target 10.0.7.40 -Username Administrator -Hash F6F38B793DB6A94BA04A52F1D3EE92F0 -Command whoami"',
      `powershell.exe -c "Invoke-SMBExec -Target 10.0.7.40 -Username Administrator -Hash ${R} -Command whoami"`,
    ],
    ['mimikatz "sekurlsa::pth /user:admin /domain:corp /ntlm:31d6cfe0d16ae931b73c59d7e0c089c0"', `mimikatz "sekurlsa::pth /user:admin /domain:corp /ntlm:${R}"`],
    ["powershell $p = ConvertTo-SecureString 'Pw!' -AsPlainText -Force", `powershell $p = ConvertTo-SecureString ${R} -AsPlainText -Force`],
    ['winrs -r:h -u:a -p:Pw1 cmd', `winrs -r:h -u:a -p:${R} cmd`],
  ];
  for (const [input, expected] of changed) {
    it(`redacts: ${input}`, () => {
      const r = redactCommandLine(input);
      expect(r.text).toBe(expected);
      expect(r.redacted).toBe(true);
    });
  }

  const unchanged = [
    'net use \\\\h\\C$ /delete',
    'net use Z: \\\\h\\share /persistent:yes',
    'net use \\\\h\\IPC$ /u:CORP\\alice',
    'net use Z: /delete /y',
    'net use * \\\\h\\share *',
    'net use',
    'net user alice',
    'net user alice * /domain',
    'net view \\\\h',
    'psexec \\\\h -s -i cmd.exe',
    'psexec.exe \\\\h -u CORP\\admin cmd',
    'msbuild /p:Configuration=Release app.sln',
    'ping -p 445 host',
    'C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s Schedule',
    '"C:\\Program Files\\App\\app.exe" --config "C:\\x y\\c.json"',
    'cmd /c copy payload.exe \\\\h\\ADMIN$\\temp\\',
    'xcopy /p a b',
    'echo hello@example.com',
    '',
  ];
  for (const input of unchanged) {
    it(`keeps: ${input || '(empty)'}`, () => {
      expect(redactCommandLine(input)).toEqual({ text: input, redacted: false });
    });
  }

  it('is idempotent', () => {
    const once = redactCommandLine('net use \\\\h\\c$ pw /u:a').text;
    expect(redactCommandLine(once)).toEqual({ text: once, redacted: false });
  });

  it('keeps user names', () => {
    const r = redactCommandLine('net use \\\\h\\C$ P@ssw0rd1 /u:DOMAIN\\Administrator');
    expect(r.text).toContain('DOMAIN\\Administrator');
    expect(r.text).not.toContain('P@ssw0rd1');
  });
});

describe('redactCommandLine on adversarial command lines (attacker-controlled, any length)', () => {
  const MiB = 1 << 20;
  const fill = (unit: string) => unit.repeat(Math.ceil(MiB / unit.length));
  // Before redaction was linear, 32,000 characters of `PsExec.exe ` took seconds and 1 MiB never finished.
  // The bound below is far above the measured figures (npm run bench) and far below what a quadratic pass costs.
  const BOUND_MS = 750;
  it.each([
    ['tool names only', fill('PsExec.exe ')],
    ['net use, again and again', fill('net use ')],
    ['net use inside an unclosed quote', 'cmd /c "' + fill('net use \\\\h\\c$ ')],
    ['quotes only', fill('"')],
    ['a tool and a quote, again and again', fill('psexec "')],
    ['schtasks /p without values', fill('schtasks /p ')],
    ['password options without values', fill('-pw ')],
    ['one option, then a megabyte of spaces', '-pw' + ' '.repeat(MiB)],
    ['user:password@ shapes', fill('a:b@c ')],
    ['65,000 real PsExec passwords', fill('PsExec.exe -p x ')],
  ])('%s (1 MiB): finishes in well under a second, output bounded by the input', (_name, text) => {
    const started = performance.now();
    const r = redactCommandLine(text);
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    expect(r.text.length).toBeLessThanOrEqual(text.length * 6);
  });

  it('redacts every one of many secrets in one long command line', () => {
    const r = redactCommandLine('PsExec.exe \\\\h -p s3cret '.repeat(10_000));
    expect(r.text).not.toContain('s3cret');
    expect(r.text.split('[REDACTED]')).toHaveLength(10_001);
  });
});
