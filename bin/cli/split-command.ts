import { GLOBAL_OPTIONS } from './command-options.js';

/** String-valued flags that may come before the command: their value is not the command. */
const VALUE_FLAGS = new Set(Object.entries(GLOBAL_OPTIONS).flatMap(([name, option]) => (option.type === 'string' ? [`--${name}`] : [])));

/**
 * The first word that is neither a flag nor a flag's value, and the other arguments: global flags
 * may come before the command (`aigw --log-format json run …`).
 */
export function splitCommand(argv: readonly string[]): { command: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (VALUE_FLAGS.has(arg)) i++;
      continue;
    }
    return { command: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: undefined, rest: [...argv] };
}
