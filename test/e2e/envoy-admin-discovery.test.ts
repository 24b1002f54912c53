/**
 * Envoy admin discovery from the aigw pid, as upstream's tooling does it with func-e's admin
 * client (test/support/func-e-admin-discovery.ts): aigw starts Envoy the way func-e does, with
 * `-- --run-id <id>` after Envoy's arguments, so those tools find it instead of waiting for ever.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { directChildren, discoverEnvoyAdmin, flagValue, isEnvoyLive, selectEnvoy } from '../support/func-e-admin-discovery.js';
import { commandLine, gatewayPids } from '../support/process-tree.js';

const linuxOnly = process.platform === 'linux' ? false : 'reads /proc';
let aigw: AigwProcess;

before(async () => {
  aigw = await startAigw({ configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: 9 }) });
});

after(async () => {
  await aigw?.stop();
});

test('the Envoy child carries --admin-address-path before a literal --, and --run-id <run id> after it', { skip: linuxOnly }, async () => {
  const { envoy } = await gatewayPids(aigw.pid);
  assert.ok((await directChildren(aigw.pid)).includes(envoy), 'Envoy is a direct child of aigw');
  const argv = await commandLine(envoy);
  const end = argv.indexOf('--');
  assert.ok(end > 0, `no -- in ${argv.join(' ')}`);
  assert.deepEqual(argv.slice(end), ['--', '--run-id', aigw.runId], 'the marker ends the command line');
  assert.ok(argv.indexOf('--admin-address-path') < end);
  assert.match(argv[0] ?? '', /(^|\/)envoy$/, 'the direct child is Envoy itself (setpriv execs it), not a wrapper');
});

test('found from the aigw pid alone, then its admin /ready answers live', { skip: linuxOnly }, async () => {
  const discovered = await discoverEnvoyAdmin(aigw.pid);
  const { envoy } = await gatewayPids(aigw.pid);
  assert.equal(discovered.pid, envoy);
  const address = (await readFile(discovered.adminAddressPath, 'utf8')).trim();
  assert.match(aigw.stderr, new RegExp(`\\(admin http://${address.replaceAll('.', '\\.')}\\)`), 'the same admin address aigw printed');
  assert.ok(await isEnvoyLive(discovered.adminPort));

  assert.equal((await discoverEnvoyAdmin(aigw.pid, { runId: aigw.runId })).pid, envoy, 'and by its run id');
  await assert.rejects(discoverEnvoyAdmin(aigw.pid, { runId: 'another-run', timeoutMs: 200 }), /no child with --run-id another-run/);
});

test('the selection rules: Envoy flags before --, the marker after it, the last value wins, unmarked children are skipped', () => {
  const envoy = ['/x/envoy', '-c', 'b.json', '--admin-address-path', '/r/a.txt', '-l', 'error', '--', '--run-id', 'r1'];
  const extProc = ['/usr/bin/node', '/x/extproc/main.js', '--socket', '/r/s.sock'];
  assert.equal(flagValue(envoy, '--admin-address-path', false), '/r/a.txt');
  assert.equal(flagValue(envoy, '--run-id', true), 'r1');
  assert.equal(flagValue(['envoy', '--admin-address-path', '/a'], '--run-id', true), undefined, 'no marker without --');
  assert.equal(flagValue(['envoy', '--', '--admin-address-path', '/a'], '--admin-address-path', false), undefined, 'only Envoy flags count');
  assert.equal(flagValue(['envoy', '--', '--run-id=a', '--run-id', 'b'], '--run-id', true), 'b');
  assert.deepEqual(selectEnvoy(new Map([[2, extProc], [3, envoy]])), { pid: 3, adminAddressPath: '/r/a.txt' });
  assert.deepEqual(selectEnvoy(new Map([[2, extProc]])), { problem: 'no child with --run-id' });
  assert.deepEqual(selectEnvoy(new Map([[3, envoy], [4, envoy]])), { problem: 'multiple Envoy processes found; set --run-id to disambiguate' });
  assert.deepEqual(selectEnvoy(new Map([[3, envoy.slice(0, 3).concat(['--', '--run-id', 'r1'])]])), { problem: 'no child with --admin-address-path' });
});
