import { compileCostExpression, CostExpressionError } from '../../extproc/usage/cost-expression.js';
import { COST_VARIABLES } from '../../extproc/usage/cost-variables.js';
import { COST_TYPES, type LLMRequestCost } from '../../contract/filter-config.js';
import type { FieldReader } from '../field-reader.js';
import { readReference, type ObjectReference } from './object-meta.js';

/** AIGatewayRoute (`aigateway.envoyproxy.io` v1alpha1/v1beta1). */
export interface AIGatewayRouteSpec {
  parentRefs: ObjectReference[];
  /** Hosts the route serves (exact, or `*.suffix`); empty means every host. */
  hostnames: string[];
  rules: AIGatewayRouteRule[];
  llmRequestCosts: LLMRequestCost[];
}

export interface HeaderMatch {
  type: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}

export interface AIGatewayRouteRule {
  /** Each entry is one alternative; its headers must all match. No entry means "match all". */
  matches: HeaderMatch[][];
  backendRefs: RouteBackendRef[];
  /** Milliseconds; 60s when unset, as upstream. 0 disables the timeout. */
  requestTimeoutMs: number;
  backendRequestTimeoutMs?: number;
  /** Longest silence allowed between response bytes of one attempt. */
  streamIdleTimeoutMs?: number;
  modelsOwnedBy: string;
  /** Unix seconds, if set. */
  modelsCreatedAt?: number;
}

export interface RouteBackendRef {
  name: string;
  namespace?: string;
  weight: number;
  priority: number;
  modelNameOverride?: string;
  headerMutation?: { set: { name: string; value: string }[]; remove: string[] };
  bodyMutation?: { set: { path: string; value: string }[]; remove: string[] };
  /** Field path, for messages about this reference. */
  path: string;
  reader: FieldReader;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function readAIGatewayRouteSpec(spec: FieldReader): AIGatewayRouteSpec {
  const parentRefs = spec.objects('parentRefs').map(readReference);
  if (!spec.has('rules')) spec.error('rules', 'Required value');
  const rules = spec.objects('rules').map(readRule);
  if (rules.length > 15) spec.error('rules', `Too many: ${rules.length}: must have at most 15 items`);
  const llmRequestCosts = readCosts(spec, 'llmRequestCosts');
  const hostnames = spec.strings('hostnames').map((hostname) => hostname.toLowerCase());
  hostnames.forEach((hostname, i) => {
    if (!HOSTNAME.test(hostname)) spec.errorAt([...spec.path, 'hostnames', i], `Invalid value: ${JSON.stringify(hostname)}: must be a DNS name, optionally prefixed with "*."`);
  });
  spec.done();
  return { parentRefs, rules, llmRequestCosts, hostnames };
}

function readRule(rule: FieldReader): AIGatewayRouteRule {
  rule.ignore('name');
  const matches = rule.objects('matches').map((match) => {
    const headers = match.objects('headers').map((header): HeaderMatch => {
      const type = header.has('type') ? (header.oneOf('type', ['Exact', 'RegularExpression'] as const) ?? 'Exact') : 'Exact';
      const name = header.requiredString('name');
      const value = header.requiredString('value');
      if (type === 'RegularExpression') checkRegex(header, value);
      header.done();
      return { type, name: name.toLowerCase(), value };
    });
    match.done();
    return headers;
  });
  const backendRefs = rule.objects('backendRefs').map((ref) => readBackendRef(ref));
  let requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
  let backendRequestTimeoutMs: number | undefined;
  const timeouts = rule.object('timeouts');
  if (timeouts) {
    requestTimeoutMs = timeouts.duration('request') ?? DEFAULT_REQUEST_TIMEOUT_MS;
    backendRequestTimeoutMs = timeouts.duration('backendRequest');
    timeouts.done();
  }
  const streamIdleTimeoutMs = rule.duration('streamIdleTimeout');
  const modelsOwnedBy = rule.string('modelsOwnedBy') ?? 'Envoy AI Gateway';
  const createdAtText = rule.string('modelsCreatedAt');
  let modelsCreatedAt: number | undefined;
  if (createdAtText !== undefined) {
    const parsed = Date.parse(createdAtText);
    if (Number.isNaN(parsed)) rule.error('modelsCreatedAt', `Invalid value: ${JSON.stringify(createdAtText)}: must be an RFC 3339 date-time`);
    else modelsCreatedAt = Math.floor(parsed / 1000);
  }
  rule.done();
  return {
    matches,
    backendRefs,
    requestTimeoutMs,
    ...(backendRequestTimeoutMs !== undefined ? { backendRequestTimeoutMs } : {}),
    ...(streamIdleTimeoutMs !== undefined && streamIdleTimeoutMs > 0 ? { streamIdleTimeoutMs } : {}),
    modelsOwnedBy,
    ...(modelsCreatedAt !== undefined ? { modelsCreatedAt } : {}),
  };
}

function readBackendRef(ref: FieldReader): RouteBackendRef {
  const name = ref.requiredString('name');
  const namespace = ref.string('namespace');
  const group = ref.string('group');
  const kind = ref.string('kind');
  if (group !== undefined || kind !== undefined) {
    ref.unsupported(group !== undefined ? 'group' : 'kind', 'InferencePool backends are not supported by aigw run', 'reference an AIServiceBackend (no group/kind)');
  }
  const weight = ref.integer('weight', { min: 0 }) ?? 1;
  const priority = ref.integer('priority', { min: 0 }) ?? 0;
  const modelNameOverride = ref.string('modelNameOverride');
  const headerMutation = readHeaderMutation(ref);
  const bodyMutation = readBodyMutation(ref);
  ref.done();
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    weight,
    priority,
    ...(modelNameOverride !== undefined && modelNameOverride !== '' ? { modelNameOverride } : {}),
    ...(headerMutation ? { headerMutation } : {}),
    ...(bodyMutation ? { bodyMutation } : {}),
    path: ref.fieldPath(),
    reader: ref,
  };
}

/**
 * Reads a list of LLMRequestCost (`llmRequestCosts`, GatewayConfig `globalLLMRequestCosts`); CEL
 * is checked now. The API server takes any string in `cel` and upstream's controller is what
 * rejects a bad expression, so a CEL problem is `unsupported`: `aigw validate` accepts the
 * resource with a warning, `run` and `translate` refuse it. Each name that is not a cost
 * variable gets its own diagnostic, with the variable it most likely meant.
 */
export function readCosts(parent: FieldReader, key: string): LLMRequestCost[] {
  return parent.objects(key).map((cost): LLMRequestCost => {
    const metadataKey = cost.requiredString('metadataKey');
    const type = cost.oneOf('type', COST_TYPES) ?? 'InputToken';
    if (!cost.has('type')) cost.error('type', 'Required value');
    const cel = cost.string('cel');
    if (type === 'CEL') {
      if (cel === undefined) cost.unsupported('cel', 'Required value: a CEL expression is required when type is CEL');
      else checkCostExpression(cost, cel);
    }
    cost.done();
    return { metadataKey, type, ...(cel !== undefined && type === 'CEL' ? { cel } : {}) };
  });
}

/** Compiles a CEL cost expression now, reporting each problem on `key` of `cost` (as `unsupported`, see readCosts). */
export function checkCostExpression(cost: FieldReader, cel: string, key = 'cel'): void {
  try {
    compileCostExpression(cel);
  } catch (error) {
    if (!(error instanceof CostExpressionError)) throw error;
    if (error.unknownVariables.length === 0) {
      cost.unsupported(key, error.message);
      return;
    }
    for (const { name, suggestion } of error.unknownVariables) {
      cost.unsupported(
        key,
        `CEL cost expression ${JSON.stringify(cel)}: undeclared reference to ${JSON.stringify(name)}`,
        suggestion ? `did you mean ${JSON.stringify(suggestion)}?` : `the variables are ${COST_VARIABLES.join(', ')}`,
      );
    }
  }
}

/** Reads `headerMutation` (Gateway API HTTPHeaderFilter subset: set and remove). */
export function readHeaderMutation(parent: FieldReader): { set: { name: string; value: string }[]; remove: string[] } | undefined {
  const mutation = parent.object('headerMutation');
  if (!mutation) return undefined;
  const set = mutation.objects('set').map((header) => {
    const entry = { name: header.requiredString('name').toLowerCase(), value: header.requiredString('value') };
    header.done();
    return entry;
  });
  const remove = mutation.strings('remove').map((name) => name.toLowerCase());
  mutation.done();
  return { set, remove };
}

/** Reads `bodyMutation`: top-level JSON fields to set (raw JSON or string values) and remove. */
export function readBodyMutation(parent: FieldReader): { set: { path: string; value: string }[]; remove: string[] } | undefined {
  const mutation = parent.object('bodyMutation');
  if (!mutation) return undefined;
  const set = mutation.objects('set').map((field) => {
    const entry = { path: field.requiredString('path'), value: field.requiredString('value') };
    if (entry.path.includes('.')) field.error('path', `Invalid value: ${JSON.stringify(entry.path)}: only top-level fields can be set`);
    field.done();
    return entry;
  });
  const remove = mutation.strings('remove');
  mutation.done();
  return { set, remove };
}


function checkRegex(reader: FieldReader, pattern: string): void {
  try {
    new RegExp(`^(?:${pattern})$`, 'u');
  } catch (error) {
    reader.error('value', `Invalid value: ${JSON.stringify(pattern)}: not a valid regular expression (${error instanceof Error ? error.message : String(error)})`);
  }
}
