#!/usr/bin/env node
// Packs aigw as `npm publish` would and, with --install, installs the tarball globally the way a
// user does, then runs the installed `aigw` from an unrelated directory with an empty HOME.
//
//   node scripts/check-package.mjs              pack, print the file count and sizes
//   node scripts/check-package.mjs --install    + `npm install -g` into a temp prefix, `du`, smoke commands
//   node scripts/check-package.mjs --install --run
//                                               + `aigw run` against a local fake OpenAI server
//                                                 (needs Envoy in the cache: set AIGW_DATA_HOME)
//   --json                                      print one JSON summary instead (test/e2e/package.test.ts)
//   --keep                                      leave the temp directory (its path is printed)
//
// The packing happens in a staged copy of the sources (node_modules linked, dist/ left out), so
// `prepare` (the runtime-only build) never replaces the dist/ that the tests run from. The
// install needs the registry or the npm cache for the dependencies (--prefer-offline).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const flags = new Set(process.argv.slice(2));
const json = flags.has('--json');
const log = (line) => {
  if (!json) console.log(line);
};

/** Paths in the sources that never go into the staged copy (build output, installs, VCS, test state). */
const NOT_STAGED = new Set(['node_modules', 'dist', '.git', '.aigw-test']);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  }
  return result.stdout;
}

/** Disk usage as `du -sh` reports it (allocated blocks, what a user's disk loses), in bytes. */
function diskUsageBytes(path) {
  return Number(run('du', ['-sk', path]).split('\t')[0]) * 1024;
}

const work = mkdtempSync(join(tmpdir(), 'aigw-package-'));
const summary = { work };
try {
  const stage = join(work, 'stage');
  cpSync(root, stage, { recursive: true, filter: (source) => !NOT_STAGED.has(relative(root, source).split(sep)[0] ?? '') });
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');
  log(`packing in ${stage} (prepare runs the runtime-only build)…`);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: stage }))[0];
  summary.tarball = join(work, packed.filename);
  summary.entryCount = packed.entryCount;
  summary.size = packed.size;
  summary.unpackedSize = packed.unpackedSize;
  summary.files = packed.files.map((file) => ({ path: file.path, size: file.size, mode: file.mode }));
  log(`${packed.filename}: ${packed.entryCount} files, ${(packed.size / 1e6).toFixed(2)} MB packed, ${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked`);

  if (flags.has('--install')) {
    const home = join(work, 'home');
    const prefix = join(work, 'prefix');
    const elsewhere = join(work, 'elsewhere');
    for (const dir of [home, prefix, elsewhere]) mkdirSync(dir, { recursive: true });
    // An empty HOME shows that nothing depends on the developer's dotfiles; the npm cache stays
    // the developer's, so the dependencies need not be downloaded again.
    const cache = run('npm', ['config', 'get', 'cache']).trim();
    const env = { ...process.env, HOME: home, npm_config_cache: cache, npm_config_update_notifier: 'false' };
    log(`installing into ${prefix} …`);
    const started = Date.now();
    run('npm', ['install', '-g', summary.tarball, '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund'], { env });
    summary.installSeconds = Math.round((Date.now() - started) / 1000);
    summary.installedBytes = diskUsageBytes(prefix);
    log(`installed in ${summary.installSeconds} s: ${(summary.installedBytes / 1024 / 1024).toFixed(1)} MiB (du -s of the prefix)`);

    const aigw = join(prefix, 'bin', 'aigw');
    const installed = join(prefix, 'lib', 'node_modules', 'aigw');
    const example = join(installed, 'examples', 'openai-compatible.yaml');
    const runEnv = { ...env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };
    const smoke = [
      ['version'],
      ['--help'],
      ['validate', example],
      ['translate', example],
    ];
    summary.smoke = [];
    for (const args of smoke) {
      const result = spawnSync(aigw, args, { cwd: elsewhere, env: runEnv, encoding: 'utf8' });
      summary.smoke.push({ args, status: result.status, stdoutBytes: result.stdout.length, stderr: result.stderr.slice(0, 2000) });
      log(`  aigw ${args.join(' ')} → exit ${result.status}${result.status === 0 ? '' : `\n${result.stderr}`}`);
    }
    if (flags.has('--run')) summary.run = await runAgainstFake(aigw, runEnv, elsewhere);
  }
} finally {
  if (json) console.log(JSON.stringify(summary));
  if (flags.has('--keep')) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

/** `aigw run` with a config pointing at a tiny OpenAI-compatible server; one chat completion through it. */
async function runAgainstFake(aigw, env, cwd) {
  const upstream = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const body = { id: 'c1', object: 'chat.completion', created: 0, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content: 'hello from the fake' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = upstream.address().port;
  const listenPort = await freePort();
  const adminPort = await freePort();
  const example = join(aigw, '..', '..', 'lib', 'node_modules', 'aigw', 'examples', 'openai-compatible.yaml');
  const child = spawn(aigw, ['run', example, '--admin-port', String(adminPort)], {
    cwd,
    env: { ...env, GATEWAY_PORT: String(listenPort), UPSTREAM_HOST: '127.0.0.1', UPSTREAM_PORT: String(upstreamPort), OPENAI_API_KEY: 'unused' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`aigw run exited ${child.exitCode}\n${output}`);
      try {
        const response = await fetch(`http://127.0.0.1:${listenPort}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }),
        });
        const text = await response.text();
        log(`  aigw run: POST /v1/chat/completions → ${response.status} ${text.slice(0, 120)}`);
        return { status: response.status, body: text };
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`aigw run did not answer within 120 s: ${error}\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    upstream.close();
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
