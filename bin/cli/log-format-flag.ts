import { isLogFormat, type LogFormat } from '../../common/logger.js';
import { AigwError, UsageError } from '../../common/errors.js';

/**
 * `--log-format` / AIGW_LOG_FORMAT, read before the arguments are parsed so that even a usage
 * error comes out in the chosen format. An invalid value is itself reported in text.
 */
export function logFormatFlag(argv: readonly string[], env: NodeJS.ProcessEnv): LogFormat {
  let value: string | undefined;
  let origin = '--log-format';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg === '--log-format') value = argv[++i];
    else if (arg.startsWith('--log-format=')) value = arg.slice('--log-format='.length);
  }
  if (value === undefined && (env.AIGW_LOG_FORMAT ?? '') !== '') {
    value = env.AIGW_LOG_FORMAT;
    origin = 'AIGW_LOG_FORMAT';
  }
  if (value === undefined) return 'text';
  if (isLogFormat(value)) return value;
  const message = `${origin}: expected text or json but got ${JSON.stringify(value)}`;
  // As for AIGW_DEBUG: a bad variable is not a bad command line (exit 1, as upstream).
  throw origin === 'AIGW_LOG_FORMAT' ? new AigwError('ENV', message) : new UsageError(message);
}
