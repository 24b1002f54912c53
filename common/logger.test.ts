import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, formatLogLine } from './logger.js';

const AT = new Date('2026-01-02T03:04:05.678Z');

test('text: aigw: prefix, the level as a word (none for info), fields as key=value quoted only when needed', () => {
  assert.equal(formatLogLine('text', 'info', 'listening'), 'aigw: listening');
  assert.equal(formatLogLine('text', 'warn', 'slow', { backend: 'down', ms: 12, ok: false }), 'aigw: warning: slow backend=down ms=12 ok=false');
  assert.equal(formatLogLine('text', 'error', 'failed', { reason: 'connect ECONNREFUSED', quote: 'a"b', eq: 'a=b', empty: '' }), 'aigw: error: failed reason="connect ECONNREFUSED" quote="a\\"b" eq="a=b" empty=""');
  assert.equal(formatLogLine('text', 'debug', 'x', { error: new Error('boom'), list: ['a'], skipped: undefined }), 'aigw: debug: x error=boom list=["a"]');
});

test('json: one object per line with time, level, msg and the fields; reserved names kept apart', () => {
  const line = formatLogLine('json', 'warn', 'slow', { backend: 'down', error: new Error('boom'), msg: 'mine', skipped: undefined }, AT);
  assert.deepEqual(JSON.parse(line), { time: '2026-01-02T03:04:05.678Z', level: 'warn', msg: 'slow', backend: 'down', error: 'boom', _msg: 'mine' });
  assert.ok(!line.includes('\n'));
  assert.equal((JSON.parse(formatLogLine('json', 'error', 'two\nlines', {}, AT)) as Record<string, unknown>).msg, 'two\nlines');
});

test('createLogger drops lines below its level and writes each line with its newline', () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'warn', format: 'json', write: (line) => void lines.push(line), now: () => AT });
  logger.debug('no');
  logger.info('no');
  logger.warn('yes', { n: 1 });
  logger.error('yes too');
  assert.deepEqual(lines, [`{"time":"${AT.toISOString()}","level":"warn","msg":"yes","n":1}\n`, `{"time":"${AT.toISOString()}","level":"error","msg":"yes too"}\n`]);
  const text: string[] = [];
  createLogger('info', (line) => void text.push(line)).info('hello');
  assert.deepEqual(text, ['aigw: hello\n']);
});
