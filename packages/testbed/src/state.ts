// Everything needed to tear a testbed down lives on disk under /run/flotilla-testbed, so another
// process (the CLI, a later test run) can clean up after a crashed one.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessRef } from './processes.ts';

export const stateRoot = process.env.FLOTILLA_TESTBED_DIR ?? '/run/flotilla-testbed';
const subnetsDir = join(stateRoot, 'subnets');
const testbedsDir = join(stateRoot, 'testbeds');

/** Testbeds take /24s from 10.201.1.0 to 10.201.250.0. */
const firstSubnet = 1;
const lastSubnet = 250;

export interface HostState {
  name: string;
  index: number;
  host: string;
  netns: string;
  veth: string;
  dir: string;
  keeper: ProcessRef | null;
  dockerd: ProcessRef | null;
  sshd: ProcessRef | null;
  /** Namespace identities ("net:[4026…]"), to find every process of this host at teardown. */
  netNamespace: string | null;
  mntNamespace: string | null;
}

export interface TestbedState {
  id: string;
  subnet: number;
  bridge: string;
  gateway: string;
  /** The process whose exit makes this testbed stale; null for testbeds started by the CLI. */
  owner: ProcessRef | null;
  createdAt: string;
  /** iptables rules added for this testbed, each as the argv after `-I`/`-D`. */
  iptablesRules: string[][];
  hosts: HostState[];
  /** The testbed's container registry (absent in states written before it existed). */
  registry?: RegistryState | null;
}

/** An image pushed to the testbed registry. */
export interface TestImage {
  /** "10.201.x.1:5443/flotilla/http:v1" */
  name: string;
  /** "sha256:…", the manifest digest the registry answered to the push. */
  digest: string;
  /** name@digest: what a deploy pins. */
  pinned: string;
}

export interface TestImages {
  /** Sleeps until SIGTERM or SIGINT, then exits 0 at once (drains finish without waiting). */
  sleeper: TestImage;
  /** `busybox httpd` answering "v1\n" at / (and /cgi-bin/env: its environment). */
  httpV1: TestImage;
  /** The same app answering "v2\n". */
  httpV2: TestImage;
  /** The same app's broken release: prints a line and exits 1 at once. */
  broken: TestImage;
  /**
   * `echo:1`, the shipped templates' image: busybox httpd answering "echo\n" at / from its CMD
   * (no entrypoint, so a command replaces it).
   */
  echo: TestImage;
}

export interface RegistryState {
  /** "10.201.x.1:5443" */
  address: string;
  dir: string;
  process: ProcessRef | null;
  username: string | null;
  password: string | null;
  /** PEM of the registry's self-signed certificate (public; every server trusts it). */
  caCert: string;
  /**
   * False: the servers are not given the CA (`createTestbed({ trustRegistry: false })`), as a
   * real user's servers would not have it. Absent in states written before the option: true.
   */
  trusted?: boolean;
  /** Set once the test images are pushed (built once per testbed). */
  images: TestImages | null;
}

/** Short ids keep interface names ("fv-<id>-12") under Linux's 15 characters. */
export function newTestbedId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(6);
  return `t${[...bytes].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

export function testbedDir(id: string): string {
  return join(testbedsDir, id);
}

/** Claims a free /24 by creating its file exclusively: concurrent claimers cannot both win. */
export async function claimSubnet(id: string): Promise<number> {
  await mkdir(subnetsDir, { recursive: true });
  const span = lastSubnet - firstSubnet + 1;
  const start = randomBytes(2).readUInt16BE() % span;
  for (let i = 0; i < span; i++) {
    const subnet = firstSubnet + ((start + i) % span);
    try {
      const handle = await open(join(subnetsDir, String(subnet)), 'wx');
      await handle.writeFile(id);
      await handle.close();
      return subnet;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(
    'no free testbed subnet in 10.201.1.0–10.201.250.0; run `pnpm testbed down --stale`',
  );
}

export function subnetClaimPath(subnet: number): string {
  return join(subnetsDir, String(subnet));
}

export async function releaseSubnet(subnet: number, id: string): Promise<void> {
  const path = subnetClaimPath(subnet);
  const holder = await readFile(path, 'utf8').catch(() => null);
  if (holder === id) await rm(path, { force: true });
}

const pendingWrites = new Map<string, Promise<void>>();

/** Writes are queued per testbed so an older snapshot never lands after a newer one. */
export function writeState(state: TestbedState): Promise<void> {
  const previous = pendingWrites.get(state.id) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => writeStateNow(state));
  pendingWrites.set(state.id, next);
  return next;
}

async function writeStateNow(state: TestbedState): Promise<void> {
  const dir = testbedDir(state.id);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `state.json.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, join(dir, 'state.json'));
}

export async function readState(id: string): Promise<TestbedState | null> {
  try {
    return JSON.parse(await readFile(join(testbedDir(id), 'state.json'), 'utf8')) as TestbedState;
  } catch {
    return null;
  }
}

export async function listStates(): Promise<TestbedState[]> {
  const ids = await readdir(testbedsDir).catch(() => [] as string[]);
  const states = await Promise.all(ids.map(readState));
  return states.filter((state): state is TestbedState => state !== null);
}

/** Ids that have a directory but no readable state (a creation interrupted early). */
export async function listTestbedDirs(): Promise<string[]> {
  return readdir(testbedsDir).catch(() => [] as string[]);
}

export async function listSubnetClaims(): Promise<{ subnet: number; id: string }[]> {
  const names = await readdir(subnetsDir).catch(() => [] as string[]);
  return Promise.all(
    names.map(async (name) => ({
      subnet: Number(name),
      id: (await readFile(join(subnetsDir, name), 'utf8').catch(() => '')).trim(),
    })),
  );
}

/** Waits for queued state writes, so a removed testbed directory is not written again. */
export async function settleWrites(id: string): Promise<void> {
  await pendingWrites.get(id)?.catch(() => {});
  pendingWrites.delete(id);
}
