/**
 * `aigw completion bash|zsh|fish`: shell completion scripts generated from the same command and
 * flag tables the parser uses (command-options.ts), so a new flag is completed without anyone
 * remembering to edit three scripts.
 */
export interface FlagSpec {
  /** Long name without dashes. */
  name: string;
  short?: string;
  /** Takes a value (`--name VALUE`). */
  takesValue: boolean;
  /** The values it takes, when they are few. */
  choices?: readonly string[];
  /** Its value is a path (file or directory). */
  path?: boolean;
  summary: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  flags: readonly FlagSpec[];
  /** Positional arguments: paths, words from a list, or none. */
  args: 'paths' | 'none' | readonly string[];
}

export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

export function completionScript(shell: Shell, commands: readonly CommandSpec[], globalFlags: readonly FlagSpec[]): string {
  switch (shell) {
    case 'bash':
      return bashScript(commands, globalFlags);
    case 'zsh':
      return zshScript(commands, globalFlags);
    case 'fish':
      return fishScript(commands, globalFlags);
  }
}

const flagWords = (flags: readonly FlagSpec[]): string[] => flags.flatMap((flag) => [`--${flag.name}`, ...(flag.short ? [`-${flag.short}`] : [])]);

function bashScript(commands: readonly CommandSpec[], globalFlags: readonly FlagSpec[]): string {
  const lines = [
    '# bash completion for aigw. Load it with: source <(aigw completion bash)',
    '_aigw() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="" i',
    '  COMPREPLY=()',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    case "${COMP_WORDS[i]}" in',
    // The value of a flag before the command is not the command.
    `      ${globalFlags.filter((flag) => flag.takesValue).map((flag) => `--${flag.name}`).join('|') || '--'}) ((i++)) ;;`,
    '      -*) ;;',
    '      *) cmd="${COMP_WORDS[i]}"; break ;;',
    '    esac',
    '  done',
    // A flag's value first: the words it takes, or a path.
    '  case "${cmd}:${prev}" in',
  ];
  for (const command of commands) {
    for (const flag of command.flags) {
      if (!flag.takesValue) continue;
      const patterns = [`${command.name}:--${flag.name}`, ...(flag.short ? [`${command.name}:-${flag.short}`] : [])].join('|');
      lines.push(`    ${patterns}) ${flag.choices ? `COMPREPLY=($(compgen -W ${shellQuote(flag.choices.join(' '))} -- "$cur"))` : flag.path ? 'COMPREPLY=($(compgen -f -- "$cur"))' : ':'}; return ;;`);
    }
  }
  lines.push(
    '  esac',
    '  if [[ -z "$cmd" ]]; then',
    `    COMPREPLY=($(compgen -W ${shellQuote([...commands.map((command) => command.name), ...flagWords(globalFlags)].join(' '))} -- "$cur"))`,
    '    return',
    '  fi',
    '  local flags="" words=""',
    '  case "$cmd" in',
  );
  for (const command of commands) {
    const words = Array.isArray(command.args) ? command.args.join(' ') : '';
    lines.push(`    ${command.name}) flags=${shellQuote(flagWords(command.flags).join(' '))}; words=${shellQuote(words)} ;;`);
  }
  lines.push(
    '  esac',
    '  if [[ "$cur" == -* ]]; then',
    '    COMPREPLY=($(compgen -W "$flags" -- "$cur"))',
    '  elif [[ -n "$words" ]]; then',
    '    COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '  else',
    '    COMPREPLY=($(compgen -f -- "$cur"))',
    '  fi',
    '}',
    'complete -o default -F _aigw aigw',
  );
  return `${lines.join('\n')}\n`;
}

function zshScript(commands: readonly CommandSpec[], globalFlags: readonly FlagSpec[]): string {
  const spec = (flag: FlagSpec): string[] => {
    const value = flag.takesValue ? (flag.choices ? `:${flag.name}:(${flag.choices.join(' ')})` : flag.path ? `:${flag.name}:_files` : `:${flag.name}: `) : '';
    const text = `[${zshDescription(flag.summary)}]${value}`;
    const long = `${flag.takesValue ? `--${flag.name}=` : `--${flag.name}`}`;
    return flag.short ? [shellQuote(`(-${flag.short} --${flag.name})-${flag.short}${text}`), shellQuote(`(-${flag.short} --${flag.name})${long}${text}`)] : [shellQuote(`${long}${text}`)];
  };
  const lines = [
    '#compdef aigw',
    '# zsh completion for aigw. Load it with: source <(aigw completion zsh), or save it as _aigw in a directory of $fpath.',
    '_aigw() {',
    '  local curcontext="$curcontext" state line',
    '  typeset -A opt_args',
    '  local -a commands',
    '  commands=(',
    ...commands.map((command) => `    ${shellQuote(`${command.name}:${zshDescription(command.summary)}`)}`),
    '  )',
    '  _arguments -C \\',
    ...globalFlags.flatMap(spec).map((item) => `    ${item} \\`),
    "    '1: :->command' \\",
    "    '*:: :->args'",
    '  case $state in',
    "    command) _describe -t commands 'aigw command' commands ;;",
    '    args)',
    '      case $line[1] in',
  ];
  for (const command of commands) {
    const positional = Array.isArray(command.args) ? [shellQuote(`1:${command.name}:(${command.args.join(' ')})`)] : command.args === 'paths' ? [shellQuote('*:file:_files')] : [];
    const items = [...command.flags.flatMap(spec), ...positional];
    lines.push(`        ${command.name}) _arguments ${items.join(' ')} ;;`);
  }
  lines.push('      esac ;;', '  esac', '}', 'if [[ "${zsh_eval_context[-1]}" == loadautofunc ]]; then', '  _aigw "$@"', 'else', '  compdef _aigw aigw', 'fi');
  return `${lines.join('\n')}\n`;
}

function fishScript(commands: readonly CommandSpec[], globalFlags: readonly FlagSpec[]): string {
  const names = commands.map((command) => command.name).join(' ');
  const flagLine = (flag: FlagSpec, condition: string | undefined): string => {
    const parts = ['complete -c aigw'];
    if (condition) parts.push(`-n ${shellQuote(condition)}`);
    if (flag.short) parts.push(`-s ${flag.short}`);
    parts.push(`-l ${flag.name}`);
    if (flag.takesValue) parts.push(flag.path ? '-r -F' : '-x');
    if (flag.choices) parts.push(`-a ${shellQuote(flag.choices.join(' '))}`);
    parts.push(`-d ${shellQuote(flag.summary)}`);
    return parts.join(' ');
  };
  const lines = [
    '# fish completion for aigw. Load it with: aigw completion fish | source',
    'complete -c aigw -f',
    ...globalFlags.map((flag) => flagLine(flag, undefined)),
    ...commands.map((command) => `complete -c aigw -n ${shellQuote(`not __fish_seen_subcommand_from ${names}`)} -a ${command.name} -d ${shellQuote(command.summary)}`),
  ];
  for (const command of commands) {
    const condition = `__fish_seen_subcommand_from ${command.name}`;
    for (const flag of command.flags) lines.push(flagLine(flag, condition));
    if (command.args === 'paths') lines.push(`complete -c aigw -n ${shellQuote(condition)} -F`);
    else if (Array.isArray(command.args)) lines.push(`complete -c aigw -n ${shellQuote(condition)} -a ${shellQuote(command.args.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Single-quoted for sh, bash, zsh and fish alike ('it'\''s'). */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** zsh descriptions end at `]` and split at `:`: those are left out. */
function zshDescription(text: string): string {
  return text.replace(/[[\]:]/g, '').replaceAll('\\', '');
}
