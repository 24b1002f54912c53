/**
 * The MCP Inspector's command line, as `npx @modelcontextprotocol/inspector --cli …` runs it:
 * `@modelcontextprotocol/inspector-cli`, pinned at the Inspector release the seed's check names.
 * The `inspector` package only wraps this one (its `cli/build/` is the same files) together with
 * the web UI, and that UI's engine range (Node ≥ 22.7.5) made `npm install` warn on Node 20,
 * which aigw supports and CI runs; the CLI package has no engine constraint and three
 * dependencies, so the tests run it directly on every supported Node.
 */
import { fileURLToPath } from 'node:url';

/** Run as `node INSPECTOR_CLI --cli <url> --method …` (compiled to dist/test/support/). */
export const INSPECTOR_CLI = fileURLToPath(new URL('../../../node_modules/@modelcontextprotocol/inspector-cli/build/cli.js', import.meta.url));
