// Hetzner's label selector language, the part clients use: `k`, `!k`, `k=v`, `k==v`, `k!=v`,
// joined by commas (all must hold).
export function matchesLabelSelector(labels: Record<string, string>, selector: string): boolean {
  return selector
    .split(',')
    .map((term) => term.trim())
    .filter(Boolean)
    .every((term) => {
      const notEqual = /^([^!=]+)!=(.*)$/.exec(term);
      if (notEqual) return labels[notEqual[1]!] !== notEqual[2];
      const equal = /^([^!=]+)==?(.*)$/.exec(term);
      if (equal) return labels[equal[1]!] === equal[2];
      if (term.startsWith('!')) return !(term.slice(1) in labels);
      return term in labels;
    });
}
