/**
 * How backend names are folded into the names clients see, as upstream: tools and prompts are
 * `{backend}__{name}` (split at the first `__`: tool names match `[A-Za-z0-9._-]+` and Kubernetes
 * names have no `__`), resource URIs are `{backend}+{uri}`, except MCP Apps UI resources, whose
 * `ui://` scheme hosts require: `ui://{backend}/{rest}`.
 */
export const NAME_SEPARATOR = '__';

export function prefixName(backend: string, name: string): string {
  return `${backend}${NAME_SEPARATOR}${name}`;
}

/** `{backend, name}` of a prefixed name, or undefined without a separator. */
export function splitPrefixedName(fullName: string): { backend: string; name: string } | undefined {
  const index = fullName.indexOf(NAME_SEPARATOR);
  if (index < 0) return undefined;
  return { backend: fullName.slice(0, index), name: fullName.slice(index + NAME_SEPARATOR.length) };
}

const UI_SCHEME = 'ui://';

export function namespaceUri(backend: string, uri: string): string {
  if (uri.startsWith(UI_SCHEME)) return `${UI_SCHEME}${backend}/${uri.slice(UI_SCHEME.length)}`;
  return `${backend}+${uri}`;
}

/** `{backend, uri}` of a namespaced URI, or undefined when it names no backend. */
export function splitNamespacedUri(fullUri: string): { backend: string; uri: string } | undefined {
  if (fullUri.startsWith(UI_SCHEME)) {
    const rest = fullUri.slice(UI_SCHEME.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) return undefined;
    return { backend: rest.slice(0, slash), uri: `${UI_SCHEME}${rest.slice(slash + 1)}` };
  }
  const plus = fullUri.indexOf('+');
  if (plus <= 0) return undefined;
  return { backend: fullUri.slice(0, plus), uri: fullUri.slice(plus + 1) };
}
