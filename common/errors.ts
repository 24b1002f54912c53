// SPDX-License-Identifier: Apache-2.0
//
// The closed set of aigw's errors. Every failure aigw means to report (rather than a bug's stack
// trace) is an AigwError whose `code` says what kind of failure it is; callers branch on the code,
// never on the message, and the message is what the user reads, unchanged from what upstream
// prints where there is an upstream equivalent.
//
// | code     | meaning                                                             | aigw exit | ext_proc exit | HTTP / wire          |
// |----------|---------------------------------------------------------------------|-----------|---------------|----------------------|
// | USAGE    | a bad command line (aigw's flags, or the ext_proc's from aigw)      | 80        | 80            | –                    |
// | ENV      | a bad value in an environment variable (AIGW_*, OTEL_*)             | 1 (no stack under AIGW_DEBUG) | 1 | –               |
// | CONFIG   | a configuration that cannot be used (YAML, CRDs, autoconfig, CEL)   | 1         | 1             | –                    |
// | ENVOY    | Envoy cannot be obtained, or exits before it is ready               | 1         | –             | –                    |
// | EXT_PROC | the ext_proc exits before it is ready                               | 1         | –             | –                    |
// | RUN      | `aigw run` cannot hold its resources (address in use, run lock)     | 1         | –             | –                    |
// | UPSTREAM | a remote party misbehaved: token endpoint, JWKS, a provider stream  | 1         | 1             | wrapped by the caller |
// | GATEWAY  | a request the data plane answers itself (GatewayError)              | –         | –             | GatewayError.status, body code = replyCode |
// | MCP      | the MCP gateway: proxy replies (McpProxyError), stdio bridges       | 1         | –             | McpProxyError.status / JSON-RPC code |
// | INTERNAL | a bug in aigw or in the data it ships (CRDs)                        | 1         | 1             | 500                  |
//
// Most failures are a plain AigwError, built by a small function where the message has a fixed
// shape (streamLimitError UPSTREAM, crdLoadError INTERNAL, envoyUnavailableError and
// httpStatusError ENVOY, stdioProxyError and stdioBridgeStartError MCP). The subclasses, each only
// because its callers need data the message cannot carry:
//   UsageError          USAGE    (here)                            exit 80; the most-thrown error, so it gets a name
//   ConfigError         CONFIG   compiler/diagnostic.ts            every Diagnostic (file:line:col, hint); also what
//                                                                  readConfigFile and envsubst throw, with one diagnostic
//   CostExpressionError CONFIG   extproc/usage/cost-expression.ts  the unknown variables, for one diagnostic each
//   EnvoyStartError     ENVOY    envoy/start-envoy.ts              Envoy's last log lines (address-in-use detection)
//   GatewayError        GATEWAY  extproc/errors/gateway-error.ts   HTTP status + the client-facing `replyCode`
//   McpProxyError       MCP      mcp/proxy/mcp-exchange.ts         HTTP status, metric error type, a prepared answer,
//                                                                  or the JSON-RPC id and code (mcpJsonRpcError)
// Outside the set on purpose (they never reach a caller outside their module): BackendAnswerError
// (mcp/proxy/mcp-fan-out.ts), one backend's JSON-RPC error, caught and reported per backend within
// the fan-out; and RelayedError (mcp/stdio/stdio-forward.ts), whose numeric `code` is the shape
// the MCP SDK reads from a thrown error, so it cannot carry AigwError's string `code`.

export type AigwErrorCode = 'USAGE' | 'ENV' | 'CONFIG' | 'ENVOY' | 'EXT_PROC' | 'RUN' | 'UPSTREAM' | 'GATEWAY' | 'MCP' | 'INTERNAL';

export class AigwError extends Error {
  constructor(
    readonly code: AigwErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AigwError';
  }
}

/** Whether `value` is an AigwError (of `code`, when given): the one check callers branch on. */
export function isAigwError(value: unknown, code?: AigwErrorCode): value is AigwError {
  return value instanceof AigwError && (code === undefined || value.code === code);
}

/** A command-line usage or validation error: printed as `aigw: error: …`, exit code 80 (as upstream). */
export class UsageError extends AigwError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 80;

/** The exit code of a process (aigw or the ext_proc) that fails with `error`. */
export function exitCodeFor(error: unknown): number {
  return isAigwError(error, 'USAGE') ? EXIT_USAGE : EXIT_RUNTIME;
}
