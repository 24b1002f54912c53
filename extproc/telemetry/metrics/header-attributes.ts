/**
 * Request headers copied onto metrics as labels: `OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES`
 * (and the shared `OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES`), written `x-team-id:team.id,…`.
 */
import { AigwError } from '../../../common/errors.js';
export interface HeaderAttribute {
  /** Lower-case request header. */
  header: string;
  /** The attribute name (`team.id`). */
  attribute: string;
  /** Its Prometheus label (`team_id`), as the OTel Prometheus exporter names it. */
  label: string;
}

export function parseHeaderAttributes(text: string | undefined, variable: string): HeaderAttribute[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((pair) => {
    const [header, attribute, ...rest] = pair.split(':').map((part) => part.trim());
    if (!header || !attribute || rest.length > 0) {
      throw new AigwError('ENV', `${variable}: ${JSON.stringify(pair)} is not header:attribute (e.g. x-team-id:team.id)`);
    }
    return { header: header.toLowerCase(), attribute, label: attribute.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^(\d)/, '_$1') };
  });
}

/** The metrics mapping from the environment: the shared variable, then the metrics-only one. */
export function metricsHeaderAttributes(env: Readonly<Record<string, string | undefined>>): HeaderAttribute[] {
  const byHeader = new Map<string, HeaderAttribute>();
  for (const variable of ['OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES', 'OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES']) {
    for (const mapping of parseHeaderAttributes(env[variable], variable)) byHeader.set(mapping.header, mapping);
  }
  return [...byHeader.values()];
}

/** Span attributes from request headers: the shared mapping, then the span one, which defaults to agent-session-id:session.id (an explicit empty value disables that default). */
export function spanHeaderAttributes(env: Readonly<Record<string, string | undefined>>): HeaderAttribute[] {
  return withSessionDefault(env, 'OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES');
}

/** Access-log metadata from request headers: like the span mapping, with its own variable. */
export function logHeaderAttributes(env: Readonly<Record<string, string | undefined>>): HeaderAttribute[] {
  return withSessionDefault(env, 'OTEL_AIGW_LOG_REQUEST_HEADER_ATTRIBUTES');
}

function withSessionDefault(env: Readonly<Record<string, string | undefined>>, variable: string): HeaderAttribute[] {
  const byHeader = new Map<string, HeaderAttribute>();
  const own = env[variable] ?? SESSION_ID_MAPPING;
  for (const [name, text] of [['OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES', env.OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES], [variable, own]] as const) {
    for (const mapping of parseHeaderAttributes(text, name)) byHeader.set(mapping.header, mapping);
  }
  return [...byHeader.values()];
}

const SESSION_ID_MAPPING = 'agent-session-id:session.id';
