// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveCommandPath } from './stdio-command-path.js';

describe('resolveCommandPath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-cmd-'));
  writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
  chmodSync(join(dir, 'tool'), 0o755);
  writeFileSync(join(dir, 'data'), 'x');

  it('searches PATH like exec.LookPath', () => {
    assert.equal(resolveCommandPath('tool', { PATH: `/nonexistent:${dir}` }), join(dir, 'tool'));
    assert.throws(() => resolveCommandPath('data', { PATH: dir }), { message: 'exec: "data": executable file not found in $PATH' });
    assert.throws(() => resolveCommandPath('tool', {}), { message: 'exec: "tool": executable file not found in $PATH' });
  });

  it('takes a path with a slash as is, relative to cwd, with fork/exec errors', () => {
    assert.equal(resolveCommandPath('./tool', {}, dir), join(dir, 'tool'));
    assert.throws(() => resolveCommandPath('./missing', {}, dir), { message: 'fork/exec ./missing: no such file or directory' });
    assert.throws(() => resolveCommandPath(join(dir, 'data'), {}), { message: `fork/exec ${join(dir, 'data')}: permission denied` });
  });
});
