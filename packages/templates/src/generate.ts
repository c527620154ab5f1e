// Generated values, from the operating system's CSPRNG (node:crypto) only.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The range randomPort picks from by default: below Swarm's own 30000–32767. */
export const defaultPortRange: [number, number] = [20_000, 29_999];

export interface GenerateOptions {
  /** Ports a randomPort must not pick (published already on the cluster). */
  avoidPorts?: ReadonlySet<number>;
}

/** Runs a generator (`password:32`, `hex:64`, `randomPort:20000-20999`, …); throws on a bad one. */
export function generate(generator: string, options: GenerateOptions = {}): string | number {
  const [kind, argument] = generator.split(':') as [string, string | undefined];
  switch (kind) {
    case 'password': {
      const length = Number(argument);
      // randomInt is uniform (rejection sampling), so every character is equally likely.
      return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
    }
    case 'base64':
      return randomBytes(Number(argument)).toString('base64url');
    case 'hex': {
      const length = Number(argument);
      return randomBytes(Math.ceil(length / 2))
        .toString('hex')
        .slice(0, length);
    }
    case 'uuid':
      return randomUUID();
    case 'randomPort': {
      const [low, high] = argument
        ? (argument.split('-').map(Number) as [number, number])
        : defaultPortRange;
      const avoid = options.avoidPorts ?? new Set<number>();
      const free = high - low + 1 - [...avoid].filter((port) => port >= low && port <= high).length;
      if (free <= 0) throw new Error(`no free port in ${low}-${high}`);
      for (;;) {
        const port = randomInt(low, high + 1);
        if (!avoid.has(port)) return port;
      }
    }
    default:
      throw new Error(`unknown generator "${generator}"`);
  }
}

/** What is wrong with a generator for a variable of this type, if anything. */
export function generatorProblem(generator: string, type: string): string | undefined {
  const [kind, argument] = generator.split(':');
  if (kind === 'randomPort') {
    if (type !== 'port') return 'randomPort generates ports: the variable must be of type port';
    if (argument) {
      const [low, high] = argument.split('-').map(Number) as [number, number];
      if (!(low >= 1 && high <= 65_535 && low <= high)) return `"${argument}" is not a port range`;
    }
    return undefined;
  }
  if (type !== 'string' && type !== 'password' && type !== 'text') {
    return `${kind} generates text: the variable must be of type string or password`;
  }
  if (kind !== 'uuid' && !(Number(argument) >= 1 && Number(argument) <= 512)) {
    return `${kind}:N needs N from 1 to 512`;
  }
  return undefined;
}
