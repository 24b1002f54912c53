#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// A stdio "MCP server" that never completes the handshake, for the start-failure messages of
// `aigw run --mcp-json` (extproc/mcp/stdio-upstream.ts):
//   fail   writes 25 numbered stderr lines (the last quoting $FAKE_MCP_TOKEN) and exits 1
//   hang   writes one stderr line, then reads stdin and never answers
const mode = process.argv[2];
if (mode === 'fail') {
  for (let line = 1; line <= 24; line++) process.stderr.write(`fake-mcp: log line ${line}\n`);
  process.stderr.write(`fake-mcp: login failed with token ${process.env.FAKE_MCP_TOKEN ?? '(unset)'}\n`);
  process.exit(1);
} else if (mode === 'hang') {
  process.stderr.write('fake-mcp: thinking about it\n');
  process.stdin.resume();
} else {
  process.stderr.write(`fake-mcp: unknown mode ${String(mode)}\n`);
  process.exit(2);
}
