/** Printed by the ext_proc once every listener is up; `aigw run` waits for it. */
export const READY_LINE = 'AI Gateway External Processor is ready';
