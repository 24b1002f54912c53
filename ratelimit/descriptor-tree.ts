import type { RateLimitDescriptorConfig, RateLimitDomainConfig, RateLimitPolicy } from '../contract/rate-limit-config.js';

/** One entry of a request descriptor, as Envoy sends it. */
export interface DescriptorEntry {
  key: string;
  value: string;
}

/** The limit a request descriptor matched, with what the service reports about it. */
export interface MatchedLimit {
  policy: RateLimitPolicy;
  shadowMode: boolean;
  /** What configured it (bounded, from the config); '' when the config says nothing. */
  source: string;
}

interface TreeNode {
  limit?: MatchedLimit;
  children: Level;
}

/** The children of a node: those with a value, by key then value, and those without, by key. */
interface Level {
  exact: Map<string, Map<string, TreeNode>>;
  anyValue: Map<string, TreeNode>;
  size: number;
}

/**
 * A domain's descriptor tree, indexed for lookups: one map lookup (two when the value is not
 * listed) per request entry, as envoyproxy/ratelimit's `GetLimit` walks its config.
 */
export class DescriptorTree {
  private readonly root: Level;

  constructor(readonly domain: RateLimitDomainConfig) {
    this.root = index(domain.descriptors);
  }

  /**
   * The limit for a request descriptor: at each level the child with the same key and value,
   * else the child with the same key and no value; the limit of the node where the entries end.
   * Undefined when the path leaves the tree or ends on a node without a limit.
   */
  match(entries: readonly DescriptorEntry[]): MatchedLimit | undefined {
    let level = this.root;
    let node: TreeNode | undefined;
    for (const entry of entries) {
      if (node && node.children.size === 0) return undefined;
      if (node) level = node.children;
      node = level.exact.get(entry.key)?.get(entry.value) ?? level.anyValue.get(entry.key);
      if (!node) return undefined;
    }
    return node?.limit;
  }
}

function index(descriptors: readonly RateLimitDescriptorConfig[] | undefined): Level {
  const level: Level = { exact: new Map(), anyValue: new Map(), size: 0 };
  for (const descriptor of descriptors ?? []) {
    const node: TreeNode = { children: index(descriptor.descriptors) };
    if (descriptor.rateLimit) node.limit = { policy: descriptor.rateLimit, shadowMode: descriptor.shadowMode ?? false, source: descriptor.source ?? '' };
    if (descriptor.value === undefined) {
      level.anyValue.set(descriptor.key, node);
    } else {
      let byValue = level.exact.get(descriptor.key);
      if (!byValue) level.exact.set(descriptor.key, (byValue = new Map<string, TreeNode>()));
      byValue.set(descriptor.value, node);
    }
    level.size++;
  }
  return level;
}
