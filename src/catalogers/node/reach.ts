/** Every node reachable from the roots (the roots included), walked without recursion. */
export function reachable<N>(roots: Iterable<N>, edges: (node: N) => Iterable<N>): Set<N> {
  const seen = new Set<N>();
  const stack = [...roots];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (seen.has(node)) continue;
    seen.add(node);
    for (const next of edges(node)) if (!seen.has(next)) stack.push(next);
  }
  return seen;
}

/**
 * The dev flag of one lock entry from what production and development roots reach: false when
 * production reaches it, true when only development does, undefined when neither does.
 */
export function devFlag<N>(node: N, prod: ReadonlySet<N>, dev: ReadonlySet<N>): boolean | undefined {
  if (prod.has(node)) return false;
  return dev.has(node) ? true : undefined;
}
