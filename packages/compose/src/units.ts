// The small languages inside compose values, read as Docker reads them: Go durations ("1m30s"),
// byte sizes ("512M"), shell words ("sh -c 'echo hi'"), port specs ("127.0.0.1:8080-8081:80-81/udp")
// and volume specs ("data:/var/lib/data:ro"). Each returns undefined (or throws a message) for
// what Docker would refuse, so the caller can name the place.

const durationUnits: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, in whole milliseconds ("1m30s" → 90000); a bare number is seconds. */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '0') return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * durationUnits[match[2]!]!;
    index = part.lastIndex;
  }
  return index === 0 ? undefined : Math.round(total);
}

/** A duration as Docker's CLI reads it back: the largest unit that divides it. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

const byteUnits: Record<string, number> = {
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** docker/go-units RAMInBytes: "512M", "1g", "1.5GB", "2048" (bytes), case-insensitive. */
export function parseBytes(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([bkmgtp])?(?:i?b)?\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = byteUnits[(match[2] ?? 'b').toLowerCase()]!;
  return Math.round(Number(match[1]) * unit);
}

export function formatBytes(bytes: number): string {
  for (const [suffix, unit] of [
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}

/**
 * A command written as one string, split as a POSIX shell splits words (no expansion): what
 * compose does with `command: sh -c 'echo hi'`.
 */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  let quote: "'" | '"' | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && '"\\$`\n'.includes(text[index + 1] ?? '')) word += text[++index];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      started = true;
    } else if (char === '\\') {
      word += text[++index] ?? '';
      started = true;
    } else if (/\s/.test(char)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += char;
      started = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (started) words.push(word);
  return words;
}

/** A command or entrypoint: a list as written, a string split into words. */
export function commandWords(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  return shellWords(String(value));
}

export interface PortSpec {
  target: number;
  published?: number;
  protocol: 'tcp' | 'udp';
  mode: 'ingress' | 'host';
  hostIp?: string;
}

function portRange(text: string): [number, number] | undefined {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (!match) return undefined;
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  if (low < 1 || high > 65_535 || high < low) return undefined;
  return [low, high];
}

/** At most this many ports from one range ("30000-40000:30000-40000" is a mistake, not a plan). */
export const maxPortsPerEntry = 100;

function expand(
  targets: [number, number],
  published: [number, number] | undefined,
  rest: Omit<PortSpec, 'target' | 'published'>,
): PortSpec[] {
  const count = targets[1] - targets[0] + 1;
  if (count > maxPortsPerEntry)
    throw new Error(`a range of ${count} ports; at most ${maxPortsPerEntry}`);
  if (published && published[1] - published[0] + 1 !== count) {
    if (published[0] !== published[1] || count !== 1) {
      throw new Error('the published and target ranges have different lengths');
    }
  }
  return Array.from({ length: count }, (_, offset) => ({
    target: targets[0] + offset,
    ...(published ? { published: published[0] + offset } : {}),
    ...rest,
  }));
}

/** One entry of `ports`, short or long syntax, expanded into single ports. Throws the reason. */
export function parsePorts(entry: unknown): PortSpec[] {
  if (typeof entry === 'number') return parsePorts(String(entry));
  if (typeof entry === 'string') {
    let text = entry.trim();
    let protocol: 'tcp' | 'udp' = 'tcp';
    const slash = text.lastIndexOf('/');
    if (slash !== -1) {
      const name = text.slice(slash + 1).toLowerCase();
      if (name !== 'tcp' && name !== 'udp') throw new Error(`protocol "${name}" (tcp or udp)`);
      protocol = name;
      text = text.slice(0, slash);
    }
    let hostIp: string | undefined;
    const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(text);
    if (bracketed) {
      hostIp = bracketed[1];
      text = bracketed[2]!;
    }
    const parts = text.split(':');
    if (!hostIp && parts.length === 3) hostIp = parts.shift();
    if (parts.length > 2 || parts.length === 0) throw new Error(`"${entry}" is not a port mapping`);
    const targets = portRange(parts.at(-1)!);
    const published = parts.length === 2 && parts[0] !== '' ? portRange(parts[0]!) : undefined;
    if (!targets || (parts.length === 2 && parts[0] !== '' && !published)) {
      throw new Error(`"${entry}" is not a port mapping`);
    }
    return expand(targets, published, { protocol, mode: 'ingress', ...(hostIp ? { hostIp } : {}) });
  }
  if (entry && typeof entry === 'object') {
    const long = entry as Record<string, unknown>;
    const targets = portRange(String(long.target ?? ''));
    if (!targets) throw new Error('"target" is not a port');
    const published =
      long.published === undefined || long.published === ''
        ? undefined
        : portRange(String(long.published));
    if (long.published !== undefined && long.published !== '' && !published) {
      throw new Error('"published" is not a port or range');
    }
    const protocol = String(long.protocol ?? 'tcp').toLowerCase();
    if (protocol !== 'tcp' && protocol !== 'udp')
      throw new Error(`protocol "${protocol}" (tcp or udp)`);
    const mode = String(long.mode ?? 'ingress');
    if (mode !== 'ingress' && mode !== 'host') throw new Error(`mode "${mode}" (ingress or host)`);
    const hostIp = typeof long.host_ip === 'string' && long.host_ip ? long.host_ip : undefined;
    return expand(targets, published, { protocol, mode, ...(hostIp ? { hostIp } : {}) });
  }
  throw new Error('not a port mapping');
}

export interface VolumeSpec {
  type: string;
  source?: string;
  target: string;
  readOnly: boolean;
  /** tmpfs size, when given. */
  sizeBytes?: number;
}

/** A host path as compose recognises one in short syntax: absolute, relative or home-relative. */
export function isHostPath(source: string): boolean {
  return /^(\/|\.|~|[A-Za-z]:[\\/]|\\\\)/.test(source);
}

/** One entry of a service's `volumes`, short or long syntax. Throws the reason. */
export function parseVolume(entry: unknown): VolumeSpec {
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    // "C:\data:/data" — a Windows drive letter is part of the source.
    if (/^[A-Za-z]$/.test(parts[0] ?? '') && /^[\\/]/.test(parts[1] ?? '')) {
      parts.splice(0, 2, `${parts[0]}:${parts[1]}`);
    }
    if (parts.length === 1) return { type: 'volume', target: parts[0]!, readOnly: false };
    if (parts.length > 3) throw new Error(`"${entry}" is not a volume mapping`);
    const [source, target, options = ''] = parts as [string, string, string?];
    const readOnly = options.split(',').includes('ro');
    return { type: isHostPath(source) ? 'bind' : 'volume', source, target, readOnly };
  }
  if (entry && typeof entry === 'object') {
    const long = entry as Record<string, unknown>;
    const tmpfs = long.tmpfs as Record<string, unknown> | undefined;
    const size = tmpfs?.size === undefined ? undefined : parseBytes(tmpfs.size);
    return {
      type: String(long.type),
      ...(typeof long.source === 'string' && long.source ? { source: long.source } : {}),
      target: String(long.target ?? ''),
      readOnly: long.read_only === true || long.read_only === 'true',
      ...(size ? { sizeBytes: size } : {}),
    };
  }
  throw new Error('not a volume mapping');
}
