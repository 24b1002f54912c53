import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createDownloadProgress } from './download-progress.js';

const MiB = 1024 * 1024;
const CLEAR_EOL = '\x1b[K';

describe('download progress', () => {
  it('prints occasional percentage lines when not a terminal', () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    const p = createDownloadProgress({ label: 'envoy', total: 100 * MiB, log: (l) => lines.push(l), stream });
    for (let i = 1; i <= 100; i++) p.update(i * MiB);
    p.done();
    assert.deepEqual(
      lines.map((l) => l.replace(/ \(.*\)/, '')),
      ['envoy: 25%', 'envoy: 50%', 'envoy: 75%', 'envoy: 100%'],
    );
    assert.equal(stream.read(), null, 'nothing drawn on a non-TTY stream');
  });

  it('draws a throttled single-line bar on a terminal', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    const lines: string[] = [];
    let clock = 0;
    const p = createDownloadProgress({ label: 'envoy', total: 10 * MiB, log: (l) => lines.push(l), stream, now: () => clock });
    for (let i = 1; i <= 10; i++) {
      clock += 50; // two updates per redraw interval
      p.update(i * MiB);
    }
    p.done();
    const drawn = String(stream.read());
    const frames = drawn.split('\r').filter((f) => f !== '');
    assert.ok(frames.length >= 5 && frames.length <= 7, `throttled frames: ${frames.length}`);
    assert.ok(drawn.endsWith(`] 100% 10.0 MiB/10.0 MiB${CLEAR_EOL}\n`), JSON.stringify(drawn.slice(-60)));
    assert.match(drawn, /\[#{10,}\] 100%/);
    assert.deepEqual(lines, [], 'no log lines while a bar is drawn');
  });

  it('ends a partial bar with a newline on failure', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true });
    const p = createDownloadProgress({ label: 'envoy', total: undefined, log: () => undefined, stream });
    p.update(5 * MiB);
    p.fail();
    assert.ok(String(stream.read()).endsWith(`envoy  5.0 MiB${CLEAR_EOL}\n`));
  });
});
