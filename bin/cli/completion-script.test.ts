import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { COMMANDS, RUN_OPTIONS, TOP_LEVEL_FLAGS } from './command-options.js';
import { completionScript, shellQuote } from './completion-script.js';

const has = (shell: string): boolean => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

function saved(shell: 'bash' | 'zsh' | 'fish'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'aigw-completion-')), `aigw.${shell}`);
  writeFileSync(file, completionScript(shell, COMMANDS, TOP_LEVEL_FLAGS));
  return file;
}

/** What the bash completion offers for the words typed so far (the last one being completed). */
function bashCompletes(words: string[]): string[] {
  const script = `source ${shellQuote(saved('bash'))}; COMP_WORDS=(${words.map(shellQuote).join(' ')}); COMP_CWORD=${words.length - 1}; _aigw; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: tmpdir() });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.split('\n').filter(Boolean);
}

test('bash: the script parses, and completes commands, flags per command and flag values', { skip: !has('bash') }, () => {
  const parsed = spawnSync('bash', ['-n', saved('bash')], { encoding: 'utf8' });
  assert.equal(parsed.status, 0, parsed.stderr);
  assert.deepEqual(bashCompletes(['aigw', 'r']), ['run']);
  assert.deepEqual(bashCompletes(['aigw', 'run', '--admin-p']), ['--admin-port']);
  assert.deepEqual(bashCompletes(['aigw', 'run', '--log-format', '']), ['text', 'json']);
  assert.deepEqual(bashCompletes(['aigw', 'translate', '-o', '']), ['yaml', 'json']);
  assert.deepEqual(bashCompletes(['aigw', 'validate', '--output', 'j']), ['json']);
  assert.deepEqual(bashCompletes(['aigw', 'completion', '']), ['bash', 'zsh', 'fish']);
  assert.deepEqual(bashCompletes(['aigw', '--log-format', 'json', 'hea']), ['healthcheck']);
  assert.ok(!bashCompletes(['aigw', 'healthcheck', '--']).includes('--show-default'), 'flags of another command are not offered');
});

test('zsh: the script parses (zsh -n), else its content is checked', () => {
  const script = completionScript('zsh', COMMANDS, TOP_LEVEL_FLAGS);
  assert.match(script, /^#compdef aigw\n/);
  for (const command of COMMANDS) assert.match(script, new RegExp(`^ {8}${command.name}\\) _arguments`, 'm'));
  assert.match(script, /'--admin-port=\[HTTP port of the admin server \(\/metrics, \/health\)\]:admin-port: '/);
  assert.match(script, /'--log-format=\[[^\]]*\]:log-format:\(text json\)'/);
  assert.match(script, /'\(-o --output\)-o\[Output format\]:output:\(yaml json\)'/);
  if (has('zsh')) {
    const parsed = spawnSync('zsh', ['-n', saved('zsh')], { encoding: 'utf8' });
    assert.equal(parsed.status, 0, parsed.stderr);
  }
});

test('fish: the script parses (fish --no-execute), else its content is checked', () => {
  const script = completionScript('fish', COMMANDS, TOP_LEVEL_FLAGS);
  assert.match(script, /^complete -c aigw -n 'not __fish_seen_subcommand_from version run validate translate healthcheck download-envoy completion help' -a run -d 'Run the AI Gateway locally for given configuration'$/m);
  assert.match(script, /^complete -c aigw -n '__fish_seen_subcommand_from run' -l admin-port -x -d 'HTTP port of the admin server \(\/metrics, \/health\)'$/m);
  assert.match(script, /^complete -c aigw -n '__fish_seen_subcommand_from translate' -s o -l output -x -a 'yaml json' -d 'Output format'$/m);
  assert.match(script, /^complete -c aigw -l log-format -x -a 'text json' -d /m);
  assert.match(script, /-l envoy-max-heap -x -d 'Envoy'\\''s memory limit/, 'quotes escaped');
  if (has('fish')) {
    const parsed = spawnSync('fish', ['--no-execute', saved('fish')], { encoding: 'utf8' });
    assert.equal(parsed.status, 0, parsed.stderr);
  }
});

test('every flag of every command is in its completion, with a summary of its own', () => {
  const run = COMMANDS.find((command) => command.name === 'run');
  assert.deepEqual(run?.flags.map((flag) => flag.name), Object.keys(RUN_OPTIONS));
  for (const command of COMMANDS) for (const flag of command.flags) assert.notEqual(flag.summary, flag.name, `${command.name} --${flag.name} has no summary`);
});
