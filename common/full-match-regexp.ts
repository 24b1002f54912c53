/**
 * A header pattern that must match the whole value, as Gateway API `RegularExpression` header
 * matches and Envoy's `safe_regex` (RE2 full match) do; `s` and `u` as every header match of the
 * gateway compiles it. Throws when JavaScript cannot compile the pattern.
 */
export function fullMatchRegExp(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'su');
}
