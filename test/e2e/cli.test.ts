/**
 * The CLI's behaviour around failures: each bad input is one clear message with a non-zero
 * exit and no stack trace; Envoy dying takes aigw down with Envoy's last words.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, gatewayConfigYaml, startAigw } from '../support/aigw-process.js';
import { runCli, type CliResult } from '../support/run-cli.js';

const aigw = (args: string[]): Promise<CliResult> => runCli(args);

function assertNoStack(result: CliResult): void {
  assert.doesNotMatch(result.stderr, /\n\s+at .*:\d+:\d+/, `stack trace in:\n${result.stderr}`);
}

test('help and version', async () => {
  const help = await aigw(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: aigw <command>/);
  assert.equal((await aigw(['-h'])).stdout, help.stdout);
  assert.equal((await aigw(['help'])).stdout, help.stdout);
  assert.match((await aigw(['run', '--help'])).stdout, /--admin-port=1064/);
  assert.equal((await aigw(['help', 'run'])).stdout, (await aigw(['run', '--help'])).stdout);
  for (const command of ['version', 'validate', 'translate', 'healthcheck', 'download-envoy', 'completion', 'help']) {
    const shown = await aigw(['help', command]);
    assert.equal(shown.code, 0, command);
    assert.match(shown.stdout, new RegExp(`^Usage: aigw ${command}`), command);
  }
  const envoyVersion = (JSON.parse(await readFile(new URL('../../../envoy-version.json', import.meta.url), 'utf8')) as { version: string }).version;
  const version = await aigw(['version']);
  assert.match(version.stdout, /^Envoy AI Gateway CLI: \S+\n/);
  assert.match(version.stdout, new RegExp(`\nEnvoy: ${envoyVersion.replaceAll('.', '\\.')}\n$`));
  assert.equal((await aigw(['--version'])).stdout, version.stdout);
  const json = JSON.parse((await aigw(['version', '-o', 'json'])).stdout) as Record<string, unknown>;
  assert.equal(json.envoy, envoyVersion);
  assert.equal(typeof json.aigw, 'string');
});

test('usage errors exit 80, in every command', async () => {
  const unknownFlag = await aigw(['run', 'x.yaml', '--nope']);
  assert.equal(unknownFlag.code, 80);
  assert.equal(unknownFlag.stderr.trim(), 'aigw: error: unknown flag --nope');
  const noCommand = await aigw([]);
  assert.equal(noCommand.code, 80);
  assert.match(noCommand.stderr, /^Usage: aigw <command>/, 'bare aigw shows the usage');
  assert.match(noCommand.stderr, /aigw: error: expected a command: one of version, run, /);
  assert.match((await aigw(['run', 'a.yaml', '--admin-port', 'abc'])).stderr, /--admin-port: expected a port number/);
  const cases: string[][] = [
    ['bogus'],
    ['--nope'],
    ['help', 'bogus'],
    ['version', '--nope'],
    ['version', 'extra'],
    ['version', '-o', 'xml'],
    ['run', 'a.yaml', 'b.yaml'],
    ['run', '--admin-port'],
    ['validate'],
    ['validate', '--bogus'],
    ['validate', '-o', 'xml', 'a.yaml'],
    ['translate'],
    ['translate', '--nope', 'a.yaml'],
    ['healthcheck', 'extra'],
    ['healthcheck', '--nope'],
    ['download-envoy', 'extra'],
    ['download-envoy', '--nope'],
    ['completion'],
    ['completion', 'tcsh'],
    ['--log-format', 'xml', 'version'],
  ];
  for (const args of cases) {
    const result = await aigw(args);
    assert.equal(result.code, 80, `aigw ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^aigw: error: /m, `aigw ${args.join(' ')}`);
    assertNoStack(result);
  }
  // A bad variable is not a bad command line: exit 1, as AIGW_DEBUG.
  const badEnv = await runCli(['version'], { env: { AIGW_LOG_FORMAT: 'xml' } });
  assert.equal(badEnv.code, 1);
  assert.equal(badEnv.stderr.trim(), 'aigw: error: AIGW_LOG_FORMAT: expected text or json but got "xml"');
});

test('--log-format json / AIGW_LOG_FORMAT=json: errors as one JSON object per line', async () => {
  for (const [args, env] of [[['--log-format', 'json', 'run', '/nonexistent/aigw.yaml'], {}], [['run', '/nonexistent/aigw.yaml'], { AIGW_LOG_FORMAT: 'json' }]] as const) {
    const result = await runCli([...args], { env });
    assert.equal(result.code, 1);
    const record = JSON.parse(result.stderr.trim()) as Record<string, unknown>;
    assert.equal(record.level, 'error');
    assert.equal(record.msg, 'config file not found: /nonexistent/aigw.yaml');
    assert.ok(!Number.isNaN(Date.parse(String(record.time))));
  }
  // Bare aigw in json mode: the usage error alone, as JSON (the usage text is for people).
  const bare = await runCli(['--log-format', 'json']);
  assert.equal(bare.code, 80);
  assert.equal((JSON.parse(bare.stderr.trim()) as Record<string, unknown>).level, 'error');
});

test('completion scripts: bash parses them (bash -n), zsh and fish when installed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-completion-'));
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const result = await aigw(['completion', shell]);
    assert.equal(result.code, 0, shell);
    assert.match(result.stdout, /aigw/);
    for (const word of ['run', 'validate', 'translate', 'healthcheck', 'download-envoy', 'admin-port', 'show-default', 'log-format']) assert.ok(result.stdout.includes(word), `${shell}: ${word}`);
    const file = join(dir, `aigw.${shell}`);
    await writeFile(file, result.stdout);
    const check = shell === 'fish' ? ['fish', '--no-execute', file] : [shell, '-n', file];
    const [command = '', ...args] = check;
    if (spawnSync('sh', ['-c', `command -v ${shell}`]).status !== 0) {
      assert.notEqual(shell, 'bash', 'bash is required');
      continue;
    }
    const parsed = spawnSync(command, args, { encoding: 'utf8' });
    assert.equal(parsed.status, 0, `${shell}: ${parsed.stderr}`);
  }
});

test('healthcheck with nothing running says so and exits 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-hc-'));
  const result = await runCli(['healthcheck'], { env: { AIGW_RUNTIME_DIR: dir } });
  assert.equal(result.code, 1);
  assert.equal(result.stderr.trim(), `aigw: error: no aigw run is running (none found in ${dir}); start one with "aigw run"`);
});

test('a missing config file is one line, exit 1', async () => {
  const result = await aigw(['run', '/nonexistent/aigw.yaml']);
  assert.equal(result.code, 1);
  assert.equal(result.stderr.trim(), 'aigw: error: config file not found: /nonexistent/aigw.yaml');
});

test('bad YAML and unknown fields: file:line:col for each problem, exit 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-cli-'));
  const file = join(dir, 'bad.yaml');
  const valid = gatewayConfigYaml({ port: 1, upstreamPort: 2 });
  await writeFile(file, valid.replace('schema:\n', 'schema:\n    nmae: typo\n'));
  const result = await aigw(['run', file]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`${file.replace(/[/.]/g, '\\$&')}:\\d+:\\d+: error: AIServiceBackend "openai": spec.schema.nmae: unknown field "nmae" \\(hint: did you mean "name"\\?\\)`));
  assertNoStack(result);

  await writeFile(file, 'kind: [unclosed\n');
  const syntax = await aigw(['run', file]);
  assert.equal(syntax.code, 1);
  assert.match(syntax.stderr, /bad.yaml:\d+:\d+: error: /);
  assertNoStack(syntax);
});

test('a listener port in use is one clear line, exit 1', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
  const address = busy.address();
  assert.ok(address && typeof address === 'object');
  const dir = await mkdtemp(join(tmpdir(), 'aigw-cli-'));
  const file = join(dir, 'gw.yaml');
  await writeFile(file, gatewayConfigYaml({ port: address.port, upstreamPort: 9 }));
  try {
    const result = await aigw(['run', file, '--admin-port', String(await freePort())]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), `aigw: error: address 127.0.0.1:${address.port} already in use (the Gateway listener needs it): another aigw or program is serving it`);
  } finally {
    busy.close();
  }
});

test('an admin port in use is one clear line naming the address, exit 1', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const address = busy.address();
  assert.ok(address && typeof address === 'object');
  const dir = await mkdtemp(join(tmpdir(), 'aigw-cli-'));
  const file = join(dir, 'gw.yaml');
  await writeFile(file, gatewayConfigYaml({ port: await freePort(), upstreamPort: 9 }));
  try {
    const result = await aigw(['run', file, '--admin-port', String(address.port)]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), `aigw: error: address 127.0.0.1:${address.port} already in use (the admin server needs it): another aigw or program is serving it; choose another with --admin-port`);
    assertNoStack(result);
  } finally {
    busy.close();
  }
});

test('when Envoy dies, aigw exits non-zero and shows its last log lines', async () => {
  const gateway = await startAigw({ configYaml: gatewayConfigYaml({ port: await freePort(), upstreamPort: 9 }) });
  const children = (await readFile(`/proc/${gateway.pid}/task/${gateway.pid}/children`, 'utf8')).trim().split(/\s+/).map(Number);
  let envoyPid: number | undefined;
  for (const pid of children) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('--admin-address-path')) envoyPid = pid;
  }
  assert.ok(envoyPid, 'found the Envoy child');
  process.kill(envoyPid, 'SIGKILL');
  const exit = await gateway.exited;
  assert.equal(exit.code, 1);
  assert.match(gateway.stderr, /aigw: error: Envoy \(pid \d+\) was killed by SIGKILL unexpectedly; stopping the gateway/);
});

test('when the ext_proc dies, aigw restarts it and says so (test/faults/processes.test.ts goes further)', async () => {
  const gateway = await startAigw({ configYaml: gatewayConfigYaml({ port: await freePort(), upstreamPort: 9 }) });
  try {
    const children = (await readFile(`/proc/${gateway.pid}/task/${gateway.pid}/children`, 'utf8')).trim().split(/\s+/).map(Number);
    let extProcPid: number | undefined;
    for (const pid of children) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes('extproc/main.js')) extProcPid = pid;
    }
    assert.ok(extProcPid, 'found the ext_proc child');
    process.kill(extProcPid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (!/the external processor is back \(pid \d+\)/.test(gateway.stderr)) {
      assert.ok(Date.now() < deadline, `no restart reported:\n${gateway.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.match(gateway.stderr, new RegExp(`the external processor \\(pid ${extProcPid}\\) was killed by SIGKILL; restarting it`));
    assert.deepEqual(await gateway.stop(), { code: 0, signal: null }, 'and still shuts down cleanly');
  } finally {
    await gateway.stop();
  }
});

test('directory and run flags take effect, and their AIGW_* variables too', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-flags-'));
  const yaml = gatewayConfigYaml({ port: await freePort(), upstreamPort: 9 });
  const viaFlags = await startAigw({ configYaml: yaml, extraArgs: ['--state-home', join(dir, 'state-flag'), '--runtime-dir', join(dir, 'rt-flag'), '--run-id', 'flag-run'] });
  try {
    assert.ok(existsSync(join(dir, 'state-flag', 'runs', 'flag-run', 'envoy.json')), 'bootstrap under --state-home/runs/<run-id>');
    assert.ok(existsSync(join(dir, 'state-flag', 'runs', 'flag-run', 'extproc-config.json')));
    assert.ok(existsSync(join(dir, 'rt-flag', 'flag-run', 'admin-address.txt')), 'Envoy admin address under --runtime-dir/<run-id>');
    assert.equal(statSync(join(dir, 'state-flag', 'runs', 'flag-run', 'extproc-config.json')).mode & 0o777, 0o600, 'credentials file private');
    assert.equal(statSync(join(dir, 'rt-flag', 'flag-run')).mode & 0o777, 0o700, 'socket directory private');
  } finally {
    await viaFlags.stop();
  }
  const viaEnv = await startAigw({ configYaml: yaml, env: { AIGW_STATE_HOME: join(dir, 'state-env'), AIGW_RUNTIME_DIR: join(dir, 'rt-env'), AIGW_RUN_ID: 'env-run' }, extraArgs: [] });
  try {
    // startAigw passes its own --run-id; the state/runtime variables are honoured.
    assert.ok(existsSync(join(dir, 'state-env', 'runs', viaEnv.runId, 'envoy.json')));
    assert.ok(existsSync(join(dir, 'rt-env', viaEnv.runId, 'admin-address.txt')));
  } finally {
    await viaEnv.stop();
  }
});

test('a bad AIGW_DEBUG value is reported as upstream does (exit 1)', async () => {
  const result = await runCli(['run', 'x.yaml'], { env: { AIGW_DEBUG: 'maybe' } });
  assert.equal(result.code, 1);
  assert.equal(result.stderr.trim(), 'aigw: error: --debug: bool value must be true, 1, yes, false, 0 or no but got "maybe" (from envar AIGW_DEBUG="maybe")');
});
