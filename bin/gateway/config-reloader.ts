import { basename, dirname } from 'node:path';
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../../common/logger.js';
import { writePrivateFileAtomically } from '../../common/write-private-file.js';
import type { CompiledConfig } from '../../compiler/compile-config.js';
import { configRevision } from '../../contract/config-revision.js';
import type { FilterConfig } from '../../contract/filter-config.js';
import { bridgeBootstrap, splitBootstrap, writeXdsFiles, xdsChanges, type XdsFiles } from '../../envoy/file-xds.js';
import { waitForXdsVersion } from '../../envoy/xds-version.js';

/** What a reload needs from the running gateway. */
export interface ReloadTarget {
  /** Compiles the configuration files again; throws with every problem found. */
  compile(): Promise<CompiledConfig>;
  /** The configuration running now and its version. */
  compiled: CompiledConfig;
  version: string;
  xdsDir: string;
  /** The xDS files as last written (what Envoy serves). */
  xdsFiles: XdsFiles;
  filterConfigPath: string;
  envoyAdminAddress: string;
  /** Has the ext_proc load the filter config file again; resolves once it serves `revision`. */
  reloadExtProc(revision: string): Promise<void>;
  /** Envoy's verdict on a static bootstrap: undefined when accepted, else its output lines (redacted, `compiledNext`'s secrets included). */
  validate(bootstrap: unknown): Promise<string[] | undefined>;
  logger: Logger;
  /** Opens the pipes of File access log sinks the new configuration adds (before Envoy has it); throws naming a file that cannot be opened. */
  openAccessLogs?(pipes: CompiledConfig['accessLogPipes']): Promise<void>;
  /** A compiled configuration is about to be tried: its secrets must be redacted from then on. */
  compiledNext?(next: CompiledConfig): void;
  /** How an attempt ended: `version` applied, or the running one kept serving. */
  reloaded?(outcome: { applied: true; version: string } | { applied: false }): void;
}

/** How long edits are collected before a reload: editors write a file in several steps. */
const DEBOUNCE_MS = 200;

/**
 * Applies edited configuration files to the running gateway, without a restart: Envoy's xDS
 * files are renamed into place and the ext_proc loads its filter config again. The order keeps
 * every request served: first a bridge (the new configuration plus the routes, clusters and
 * listeners the old one had), then the ext_proc switches (new requests route by the new rules),
 * then the new configuration alone. A request runs on one configuration from start to end (the
 * ext_proc reads its runtime once per request; Envoy keeps a route and cluster for the request
 * that chose them). An edit that does not compile, or changes what only a restart can, leaves
 * the running configuration serving and says why.
 */
export class ConfigReloader {
  private running: Promise<void> = Promise.resolve();
  private queued: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watchers: FSWatcher[] = [];

  constructor(private readonly target: ReloadTarget) {}

  /** Reloads after edits to `files` (watched by directory: editors replace files by renaming). */
  watchFiles(files: readonly string[]): void {
    const byDir = new Map<string, Set<string>>();
    for (const file of files) {
      const names = byDir.get(dirname(file)) ?? new Set<string>();
      names.add(basename(file));
      byDir.set(dirname(file), names);
    }
    for (const [dir, names] of byDir) {
      const watcher = watch(dir, (_event, name) => {
        if (name !== null && names.has(name)) this.soon(`${name} changed`);
      });
      watcher.on('error', (error) => this.target.logger.warn(`watching ${dir} for configuration edits stopped: ${error.message}`));
      this.watchers.push(watcher);
    }
  }

  /** Reloads once now-ish; requests during a reload are merged into one more after it. */
  request(why: string): void {
    if (this.queued !== undefined) return;
    this.queued = why;
    this.running = this.running.then(async () => {
      const reason = this.queued ?? why;
      this.queued = undefined;
      await this.reload(reason);
    });
  }

  /** Resolves when no reload is running or queued (tests, shutdown). */
  async settled(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.running;
      await current;
    } while (current !== this.running);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }

  private soon(why: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.request(why);
    }, DEBOUNCE_MS);
  }

  private async reload(why: string): Promise<void> {
    const outcome = await this.attempt(why);
    if (outcome !== 'unchanged') this.target.reloaded?.(outcome === 'applied' ? { applied: true, version: this.target.version } : { applied: false });
  }

  private async attempt(why: string): Promise<'applied' | 'refused' | 'unchanged'> {
    const { logger } = this.target;
    const startedAt = Date.now();
    /** Says why the edit is not applied (after `separator`, the running version that keeps serving). */
    const refuse = (reason: string, separator = '; '): 'refused' => {
      logger.error(`configuration not reloaded (${why}): ${reason}${separator}version ${this.target.version} keeps serving`);
      return 'refused';
    };
    let next: CompiledConfig;
    try {
      next = await this.target.compile();
    } catch (error) {
      return refuse(messageOf(error), '\n');
    }
    const version = compiledVersion(next);
    if (version === this.target.version) {
      logger.info(`configuration unchanged (${why}): version ${version}`);
      return 'unchanged';
    }
    // Before anything of it runs: Envoy's lines (and Envoy's validation output) may quote its secrets.
    this.target.compiledNext?.(next);
    const restartOnly = restartOnlyChanges(this.target.compiled, next);
    if (restartOnly.length > 0) return refuse(`${restartOnly.join('; ')} — restart aigw to apply that`);
    if (next.model.bootstrapMerges.length > 0) {
      const rejection = await this.target.validate(next.bootstrap);
      if (rejection) return refuse(`Envoy rejects it:\n  ${rejection.join('\n  ')}`, '\n');
    }
    try {
      await this.target.openAccessLogs?.(next.accessLogPipes);
    } catch (error) {
      return refuse(messageOf(error));
    }
    const previous = this.target.compiled;
    const { xdsDir } = this.target;
    const bridgeVersion = `${version}-bridge`;
    try {
      await this.apply(splitBootstrap(bridgeBootstrap(previous.bootstrap, next.bootstrap), xdsDir, bridgeVersion).files, bridgeVersion);
    } catch (error) {
      await this.restore(previous);
      return refuse(messageOf(error));
    }
    const text = `${JSON.stringify(next.filterConfig, null, 2)}\n`;
    try {
      await writePrivateFileAtomically(this.target.filterConfigPath, text);
      await this.target.reloadExtProc(configRevision(text));
    } catch (error) {
      await writePrivateFileAtomically(this.target.filterConfigPath, `${JSON.stringify(previous.filterConfig, null, 2)}\n`).catch(() => undefined);
      await this.restore(previous);
      return refuse(`the ext_proc refused it: ${messageOf(error)}`);
    }
    // From here new requests route by the new rules; the old routes go once Envoy has the new files.
    await this.apply(splitBootstrap(next.bootstrap, xdsDir, version).files, version).catch((error: unknown) => logger.warn(`removing what the old configuration had: ${error instanceof Error ? error.message : String(error)}`));
    this.target.compiled = next;
    this.target.version = version;
    logger.info(`configuration reloaded (${why}) in ${Date.now() - startedAt} ms: version ${version}; ${describeChanges(previous.filterConfig, next.filterConfig, previous, next)}`);
    return 'applied';
  }

  /** Writes the xDS files and waits until Envoy serves what changed in them. */
  private async apply(files: XdsFiles, version: string): Promise<void> {
    const changes = xdsChanges(this.target.xdsFiles, files);
    await writeXdsFiles(this.target.xdsDir, files);
    this.target.xdsFiles = files;
    if (changes.clusters || changes.listeners || changes.routes.size > 0) await waitForXdsVersion(this.target.envoyAdminAddress, version, 10_000, changes);
  }

  /** Puts the running configuration's files back after a failed step (best effort: it is what Envoy serves). */
  private async restore(previous: CompiledConfig): Promise<void> {
    const { xdsDir, version } = this.target;
    try {
      await this.apply(splitBootstrap(previous.bootstrap, xdsDir, version).files, version);
    } catch (error) {
      this.target.logger.warn(`restoring configuration version ${version}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The configuration's version: a digest of what Envoy and the ext_proc are given. */
export function compiledVersion(compiled: CompiledConfig): string {
  return configRevision(JSON.stringify([compiled.bootstrap, compiled.filterConfig]));
}

/** What differs between `old` and `next` that only a restart applies (each as a phrase). */
export function restartOnlyChanges(old: CompiledConfig, next: CompiledConfig): string[] {
  const changes: string[] = [];
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (!same(old.model.envoyVersion, next.model.envoyVersion)) changes.push('the Envoy version (EnvoyProxy) changed');
  if (!same(old.model.extProcEnv, next.model.extProcEnv)) changes.push("the ext_proc's environment (EnvoyProxy) changed");
  if (!same(withoutResources(old.bootstrap), withoutResources(next.bootstrap))) changes.push("Envoy's process settings (admin, overload manager) changed");
  return changes;
}

function withoutResources(bootstrap: unknown): unknown {
  if (typeof bootstrap !== 'object' || bootstrap === null) return bootstrap;
  return Object.fromEntries(Object.entries(bootstrap).filter(([key]) => key !== 'static_resources'));
}

/** `routes +1 −0 ~2, backends +1 −0 ~0, listeners +0 −0`: what a reload changed, by name. */
export function describeChanges(old: FilterConfig, next: FilterConfig, oldCompiled?: CompiledConfig, nextCompiled?: CompiledConfig): string {
  const diff = <T extends { name: string }>(a: readonly T[], b: readonly T[]): string => {
    const before = new Map(a.map((item) => [item.name, JSON.stringify(item)]));
    const after = new Map(b.map((item) => [item.name, JSON.stringify(item)]));
    const added = [...after.keys()].filter((name) => !before.has(name)).length;
    const removed = [...before.keys()].filter((name) => !after.has(name)).length;
    const changed = [...after].filter(([name, text]) => before.has(name) && before.get(name) !== text).length;
    return `+${added} −${removed} ~${changed}`;
  };
  const parts = [`routes ${diff(old.rules, next.rules)}`, `backends ${diff(old.backends, next.backends)}`];
  if (oldCompiled && nextCompiled) parts.push(`listeners ${diff(oldCompiled.model.listeners, nextCompiled.model.listeners)}`);
  if (old.mcp || next.mcp) parts.push(`MCP routes ${diff(old.mcp?.routes ?? [], next.mcp?.routes ?? [])}`);
  return parts.join(', ');
}
