/**
 * The candidate nearest to `name` in edit distance (insertions, deletions, substitutions, swaps of neighbours), for a
 * "did you mean" hint; undefined when none is within a third of the name's length (at least 1),
 * where a suggestion would be a guess rather than the obvious fix of a typo. Case is ignored
 * (`openai` is one fix away from `OpenAI`, not three). Ties go to the earlier candidate.
 */
export function closestName<T extends string>(name: string, candidates: readonly T[]): T | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  const typed = name.toLowerCase();
  let best: T | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (optimal string
 * alignment): `nmae` is one typo away from `name`, not two.
 */
function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (beforePrevious[j - 2] ?? 0) + 1);
      current.push(best);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
