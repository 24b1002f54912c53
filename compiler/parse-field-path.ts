/**
 * The inverse of formatFieldPath: `spec.rules[0].backendRefs[1].name` → segments, so a
 * Kubernetes-style path from the admission checks can be located in the YAML source.
 * Bracketed non-numeric segments are map keys (`metadata.annotations[a.b/c]`).
 */
export function parseFieldPath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === '.') {
      i++;
      continue;
    }
    if (path[i] === '[') {
      const end = path.indexOf(']', i);
      const inner = path.slice(i + 1, end === -1 ? path.length : end);
      segments.push(/^\d+$/.test(inner) ? Number(inner) : inner);
      i = end === -1 ? path.length : end + 1;
      continue;
    }
    let end = i;
    while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
    segments.push(path.slice(i, end));
    i = end;
  }
  return segments;
}
