/**
 * Notices when the process that started aigw goes away. A wrapper (`npx aigw run`, a shell
 * script, a process manager) that is killed does not pass its signal on, and nothing else tells
 * aigw: it is re-parented (to init or a subreaper) and would keep serving, with its Envoy and
 * ext_proc, as an orphan holding the ports. Linux's PR_SET_PDEATHSIG is not reachable from Node,
 * so the parent pid is polled instead; a change means the parent died.
 */
export interface ParentWatchOptions {
  /** Default 500 ms: a stopped wrapper frees the ports within about a second plus the drain. */
  intervalMs?: number;
  /** For tests. */
  parentPid?: () => number;
}

/**
 * Resolves with the original parent pid once the parent has gone. The timer is unref'd, so the
 * watch never keeps a finished aigw alive; `stop()` ends it.
 */
export function watchParent(options: ParentWatchOptions = {}): { gone: Promise<number>; stop(): void } {
  const parentPid = options.parentPid ?? (() => process.ppid);
  const original = parentPid();
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<number>((resolve) => {
    // ppid 0: aigw is PID 1 itself (a container's entrypoint) and has no parent to lose.
    if (original <= 0) return;
    timer = setInterval(() => {
      if (parentPid() === original) return;
      clearInterval(timer);
      resolve(original);
    }, options.intervalMs ?? 500);
    timer.unref();
  });
  return { gone, stop: () => clearInterval(timer) };
}
