import type { Diagnostic } from './diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import { parseDuration } from './quantities.js';
import { formatFieldPath, type SourceDocument } from './load-documents.js';
import { isOneOf, isRecord, type JsonRecord } from '../common/json-guards.js';

type Path = readonly (string | number)[];

/** Where a resource came from, and where its problems go. */
export interface ReadContext {
  document: SourceDocument;
  /** `Kind "name"`, used in every message about this resource. */
  resource: string;
  diagnostics: Diagnostic[];
}

/**
 * Typed, position-aware reading of one YAML object. Every accessor narrows `unknown` and
 * records a diagnostic (with file:line:col and the Kubernetes field path) instead of throwing,
 * so one run reports every problem. `done()` reports the fields nobody read: a field aigw does
 * not implement is an error, never silently dropped.
 */
export class FieldReader {
  private readonly used = new Set<string>();

  constructor(
    readonly context: ReadContext,
    readonly value: JsonRecord,
    readonly path: Path,
  ) {}

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  string(key: string): string | undefined {
    const raw = this.take(key);
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw === 'string') return raw;
    if (typeof raw === 'number' || typeof raw === 'boolean') {
      this.error(key, `Invalid value: ${JSON.stringify(raw)}: must be a string`, 'quote the value');
    } else {
      this.error(key, 'Invalid value: must be a string');
    }
    return undefined;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined && !this.hasWrongType(key)) this.error(key, 'Required value');
    return value ?? '';
  }

  integer(key: string, options: { min?: number; max?: number } = {}): number | undefined {
    const raw = this.take(key);
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'number' || !Number.isInteger(raw)) {
      this.error(key, `Invalid value: ${JSON.stringify(raw)}: must be an integer`);
      return undefined;
    }
    if (options.min !== undefined && raw < options.min) {
      this.error(key, `Invalid value: ${raw}: must be greater than or equal to ${options.min}`);
      return undefined;
    }
    if (options.max !== undefined && raw > options.max) {
      this.error(key, `Invalid value: ${raw}: must be less than or equal to ${options.max}`);
      return undefined;
    }
    return raw;
  }

  /**
   * A Gateway API duration ("60s", "1m30s", "500ms") in milliseconds. `example` is what the error
   * for anything else suggests, in the units that field is usually written in.
   */
  duration(key: string, example = '60s or 1m30s'): number | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    const milliseconds = parseDuration(text);
    if (milliseconds === undefined) this.error(key, `Invalid value: ${JSON.stringify(text)}: must be a duration such as ${example}`);
    return milliseconds;
  }

  boolean(key: string): boolean | undefined {
    const raw = this.take(key);
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'boolean') {
      this.error(key, `Invalid value: ${JSON.stringify(raw)}: must be a boolean`, 'use true or false, unquoted');
      return undefined;
    }
    return raw;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const raw = this.string(key);
    if (raw === undefined) return undefined;
    if (isOneOf(values, raw)) return raw;
    this.error(key, `Unsupported value: ${JSON.stringify(raw)}: supported values: ${values.map((v) => `"${v}"`).join(', ')}`, didYouMean(raw, values));
    return undefined;
  }

  object(key: string): FieldReader | undefined {
    const raw = this.take(key);
    if (raw === undefined || raw === null) return undefined;
    if (!isRecord(raw)) {
      this.error(key, 'Invalid value: must be an object');
      return undefined;
    }
    return new FieldReader(this.context, raw, [...this.path, key]);
  }

  requiredObject(key: string): FieldReader | undefined {
    const reader = this.object(key);
    if (!reader && !this.hasWrongType(key)) this.error(key, 'Required value');
    return reader;
  }

  /** Reads a list of objects, one reader per item. */
  objects(key: string): FieldReader[] {
    return this.list(key).flatMap(({ value, index }) => {
      if (isRecord(value)) return [new FieldReader(this.context, value, [...this.path, key, index])];
      this.errorAt([...this.path, key, index], 'Invalid value: must be an object');
      return [];
    });
  }

  strings(key: string): string[] {
    return this.list(key).flatMap(({ value, index }) => {
      if (typeof value === 'string') return [value];
      this.errorAt([...this.path, key, index], 'Invalid value: must be a string');
      return [];
    });
  }

  /** Marks a field as read without using it, optionally warning that aigw run ignores it. */
  ignore(key: string, warning?: string): void {
    if (this.take(key) !== undefined && warning) this.warn(key, warning);
  }

  /** Reports every field that no accessor read. Call after reading all supported fields. */
  done(): void {
    for (const key of Object.keys(this.value)) {
      if (this.used.has(key)) continue;
      this.unsupported(key, 'field is not supported by aigw run', 'remove it, or check the spelling against the API reference');
    }
  }

  fieldPath(key?: string | number): string {
    return formatFieldPath(key === undefined ? this.path : [...this.path, key]);
  }

  error(key: string | number | undefined, message: string, hint?: string): void {
    this.errorAt(key === undefined ? this.path : [...this.path, key], message, hint);
  }

  /** An error for input the Kubernetes API accepts but aigw run cannot honour. */
  unsupported(key: string | number | undefined, message: string, hint?: string): void {
    this.report('error', key === undefined ? this.path : [...this.path, key], message, hint, 'unsupported');
  }

  /** `unsupported` for a field below this one. */
  unsupportedAt(path: Path, message: string, hint?: string): void {
    this.report('error', path, message, hint, 'unsupported');
  }

  warn(key: string | number | undefined, message: string): void {
    this.report('warning', key === undefined ? this.path : [...this.path, key], message);
  }

  warnAt(path: Path, message: string): void {
    this.report('warning', path, message);
  }

  errorAt(path: Path, message: string, hint?: string): void {
    this.report('error', path, message, hint);
  }

  private report(severity: 'error' | 'warning', path: Path, message: string, hint?: string, category?: 'unsupported'): void {
    const position = this.context.document.positionOf(path);
    this.context.diagnostics.push({
      severity,
      file: this.context.document.file,
      ...(position ? { line: position.line, column: position.column } : {}),
      resource: this.context.resource,
      path: formatFieldPath(path),
      message,
      ...(hint ? { hint } : {}),
      ...(category ? { category } : {}),
    });
  }

  private list(key: string): { value: unknown; index: number }[] {
    const raw = this.take(key);
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) {
      this.error(key, 'Invalid value: must be a list');
      return [];
    }
    return raw.map((value: unknown, index) => ({ value, index }));
  }

  private take(key: string): unknown {
    this.used.add(key);
    return this.value[key];
  }

  private hasWrongType(key: string): boolean {
    const raw = this.value[key];
    return raw !== undefined && raw !== null;
  }
}
