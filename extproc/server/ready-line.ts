/** Printed by the ext_proc once every listener is up; `aigw run` waits for it. */
export const READY_LINE = 'AI Gateway External Processor is ready';

/**
 * Printed by the ext_proc when SIGHUP made it load its filter config again, followed by the
 * config's revision (configRevision of the file's text): `aigw run` waits for the revision it
 * wrote before it moves Envoy on to the new routes.
 */
export const RELOADED_LINE = 'filter config reloaded, revision';

/** Printed, followed by why, when a reload was refused: the configuration loaded before keeps serving. */
export const RELOAD_FAILED_LINE = 'filter config not reloaded';
