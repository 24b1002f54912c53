import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { mapLineStream, parseLogRecord, renderEnvoyLine, renderExtProcLine } from './child-log.js';
import { formatLogLine } from './logger.js';

const AT = new Date('2026-01-02T03:04:05.678Z');

test('ext_proc json lines are rendered in the user format; json keeps its time and adds source', () => {
  const line = formatLogLine('json', 'warn', 'request header "x" carries credentials', { header: 'x' }, AT);
  assert.equal(renderExtProcLine(line, 'text'), 'aigw: warning: request header "x" carries credentials header=x');
  assert.deepEqual(JSON.parse(renderExtProcLine(line, 'json')), { time: AT.toISOString(), level: 'warn', msg: 'request header "x" carries credentials', header: 'x', source: 'extproc' });
  assert.deepEqual(parseLogRecord(line)?.msg, 'request header "x" carries credentials');
});

test('what the ext_proc prints outside its logger (a crash report) stays as is in text, becomes error records in json', () => {
  assert.equal(renderExtProcLine('    at main (file.js:1:2)', 'text'), '    at main (file.js:1:2)');
  const wrapped = JSON.parse(renderExtProcLine('TypeError: x is undefined', 'json')) as Record<string, unknown>;
  assert.equal(wrapped.level, 'error');
  assert.equal(wrapped.msg, 'TypeError: x is undefined');
  assert.equal(wrapped.source, 'extproc');
  assert.equal(parseLogRecord('{"not":"a record"}'), undefined);
  assert.equal(parseLogRecord('{broken'), undefined);
});

test("Envoy's lines: unchanged in text; in json wrapped with its level and source envoy", () => {
  const line = '[2026-01-02 03:04:05.678][12][warning][config] something';
  assert.equal(renderEnvoyLine(line, 'text'), line);
  assert.deepEqual(
    ['trace', 'debug', 'info', 'warning', 'error', 'critical'].map((level) => (JSON.parse(renderEnvoyLine(`[t][1][${level}][main] m`, 'json')) as Record<string, unknown>).level),
    ['debug', 'debug', 'info', 'warn', 'error', 'error'],
  );
  const wrapped = JSON.parse(renderEnvoyLine(line, 'json')) as Record<string, unknown>;
  assert.equal(wrapped.msg, line);
  assert.equal(wrapped.source, 'envoy');
  assert.equal((JSON.parse(renderEnvoyLine('Caught Segmentation fault', 'json')) as Record<string, unknown>).level, 'info');
});

test('mapLineStream maps whole lines across chunk boundaries, the last one without newline too', async () => {
  const out: string[] = [];
  const stream = Readable.from(['a', 'b\nc', 'd\ne']).pipe(mapLineStream((line) => line.toUpperCase()));
  for await (const chunk of stream) out.push(String(chunk));
  assert.equal(out.join(''), 'AB\nCD\nE\n');
});
