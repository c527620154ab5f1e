// The Engine API of a real testbed server, over SSH only: the engine listens on no TCP port.
import { connect, type SshSession } from '@flotilla/ssh';
import { createTestbed, generateKeyPair, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker, DockerApiError, type DockerEngine } from '../src/index.ts';

let testbed: Testbed;
let session: SshSession;
let docker: DockerEngine;

beforeAll(async () => {
  const keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 1, authorizedKeys: [keys.publicKey] });
  const host = testbed.hosts[0]!;
  session = await connect({
    host: host.host,
    port: host.port,
    username: host.user,
    privateKey: keys.privateKey,
    timeoutMs: 20_000,
  });
  docker = connectDocker(session);
});

afterAll(async () => {
  await session?.close();
  await testbed?.destroy();
});

describe('Docker Engine API over SSH', () => {
  it('answers through the SSH session, many requests at once', async () => {
    await docker.ping();
    const info = await docker.info();
    expect(info.Swarm?.LocalNodeState).toBe('inactive');
    const listening = await session.runOk('ss -ltn');
    expect(listening).not.toMatch(/:2375|:2376/);
    await Promise.all(Array.from({ length: 20 }, () => docker.ping()));
  });

  it('resolves an image to the digest its registry serves', async () => {
    const images = await testbed.images();
    expect(await docker.distribution(images.httpV2.name)).toEqual({
      digest: images.httpV2.digest,
    });
  });

  it('reports what the daemon said, with a code a caller can act on', async () => {
    const swarmless = await docker.services().catch((error: unknown) => error);
    expect(swarmless).toBeInstanceOf(DockerApiError);
    expect((swarmless as DockerApiError).statusCode).toBe(503);
    expect((swarmless as DockerApiError).message).toMatch(/not a swarm manager/);
    await session.runOk(`docker swarm init --advertise-addr ${session.host}`);
    expect(await docker.service('no-such-service')).toBeNull();
    const bad = await docker
      .createService({ Name: 'bad name!', TaskTemplate: { ContainerSpec: { Image: 'x' } } })
      .catch((error: unknown) => error);
    expect(bad).toMatchObject({ code: 'invalid', statusCode: 400 });
    expect(await docker.removeService('no-such-service')).toBe(false);
  });

  it('gives up on a request that is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(docker.ping({ signal: controller.signal })).rejects.toMatchObject({
      code: 'stopped',
    });
  });
});
