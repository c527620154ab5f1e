import { connect, type SshSession } from '@flotilla/ssh';
import { createTestbed, generateKeyPair, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BootstrapError,
  ensureDocker,
  swarmDemote,
  swarmDrain,
  swarmInit,
  swarmJoin,
  swarmLeave,
  swarmNodeReady,
  swarmNodes,
  swarmReadyNodes,
  swarmRemoveNode,
} from '../src/index.ts';
import { poll } from './poll.ts';

let testbed: Testbed;
let sessions: SshSession[];
let manager: SshSession;
const ids: string[] = [];

beforeAll(async () => {
  const keys = await generateKeyPair();
  testbed = await createTestbed({ hosts: 3, authorizedKeys: [keys.publicKey] });
  sessions = await Promise.all(
    testbed.hosts.map((h) =>
      connect({
        host: h.host,
        port: h.port,
        username: h.user,
        privateKey: keys.privateKey,
        timeoutMs: 5_000,
      }),
    ),
  );
  manager = sessions[0]!;
  await Promise.all(testbed.hosts.map((h) => testbed.importImage(h.name)));
});

afterAll(async () => {
  await Promise.all((sessions ?? []).map((s) => s.close()));
  await testbed?.destroy();
});

describe('swarm bootstrap', () => {
  it('finds Docker present and leaves it alone', async () => {
    const result = await ensureDocker(manager);
    expect(result.changed).toBe(false);
    expect(result.version).toMatch(/^\d+\.\d+/);
  });

  it('forms a 3-node swarm, and doing it again changes nothing', async () => {
    const [a, b, c] = testbed.hosts;
    const init = await swarmInit(manager, { advertiseAddr: a!.host, joinTokens: true });
    expect(init.changed).toBe(true);
    // Managers notice a node that left after a few heartbeats; 1 s instead of 5 s keeps the
    // leave/remove tests short.
    await manager.runOk('docker swarm update --dispatcher-heartbeat 1s');
    const tokens = init.tokens!;
    expect(tokens.worker).toMatch(/^SWMTKN-/);
    const joinB = await swarmJoin(sessions[1]!, {
      token: tokens.manager,
      managerAddr: a!.host,
      advertiseAddr: b!.host,
    });
    const joinC = await swarmJoin(sessions[2]!, {
      token: tokens.worker,
      managerAddr: a!.host,
      advertiseAddr: c!.host,
    });
    expect([joinB.changed, joinC.changed]).toEqual([true, true]);
    ids.push(init.nodeId, joinB.nodeId, joinC.nodeId);

    const nodes = await vi.waitFor(async () => {
      const list = await swarmNodes(manager);
      expect(list.map((n) => n.status)).toEqual(['ready', 'ready', 'ready']);
      return list;
    }, poll);
    expect(nodes.map((n) => n.hostname).sort()).toEqual(testbed.hosts.map((h) => h.name).sort());
    expect(nodes.find((n) => n.id === init.nodeId)).toMatchObject({
      role: 'manager',
      leader: true,
    });
    expect(nodes.find((n) => n.id === joinB.nodeId)?.role).toBe('manager');
    expect(nodes.find((n) => n.id === joinC.nodeId)?.role).toBe('worker');
    const ls = await manager.runOk('docker node ls --format "{{.Hostname}} {{.Status}}"');
    expect(ls.trim().split('\n').sort()).toEqual(
      testbed.hosts.map((h) => `${h.name} Ready`).sort(),
    );

    // Second run: every step sees the work done and skips it.
    expect(await swarmInit(manager, { advertiseAddr: a!.host })).toEqual({
      changed: false,
      nodeId: init.nodeId,
    });
    // The tokens can come with the init, in the same command.
    expect(await swarmInit(manager, { advertiseAddr: a!.host, joinTokens: true })).toEqual({
      changed: false,
      nodeId: init.nodeId,
      tokens,
    });
    // So can the wait for the manager to be Ready and its labels: still one command.
    const withReady = await swarmInit(manager, {
      advertiseAddr: a!.host,
      joinTokens: true,
      ready: { labels: { 'flotilla.node-id': 'node_a' }, timeoutMs: 30_000 },
    });
    expect(withReady).toMatchObject({ changed: false, nodeId: init.nodeId, tokens });
    expect(withReady.node).toMatchObject({ id: init.nodeId, status: 'ready', role: 'manager' });
    expect(withReady.node?.labels).toEqual({ 'flotilla.node-id': 'node_a' });
    const labels = await manager.runOk(
      `docker node inspect --format '{{json .Spec.Labels}}' ${init.nodeId}`,
    );
    expect(JSON.parse(labels)).toEqual({ 'flotilla.node-id': 'node_a' });
    const again = await swarmJoin(sessions[2]!, {
      token: tokens.worker,
      managerAddr: a!.host,
      advertiseAddr: c!.host,
    });
    expect(again).toEqual({ changed: false, nodeId: joinC.nodeId });
    // A server in this swarm is not silently moved to another one.
    await expect(
      swarmJoin(sessions[2]!, {
        token: tokens.worker,
        managerAddr: '10.0.0.1',
        advertiseAddr: c!.host,
      }),
    ).rejects.toThrow(/already in another swarm/);
    expect(await swarmNodes(manager)).toHaveLength(3);
  });

  it('waits until a node is Ready and labels it, once', async () => {
    const node = await swarmNodeReady(manager, ids[1]!, {
      labels: { 'flotilla.node-id': 'node_b' },
      timeoutMs: 30_000,
    });
    expect(node).toMatchObject({ id: ids[1], status: 'ready', role: 'manager' });
    expect(node.labels).toEqual({ 'flotilla.node-id': 'node_b' });
    const version = async () =>
      (await manager.runOk(`docker node inspect --format '{{.Version.Index}}' ${ids[1]}`)).trim();
    const before = await version();
    await swarmNodeReady(manager, ids[1]!, {
      labels: { 'flotilla.node-id': 'node_b' },
      timeoutMs: 30_000,
    });
    expect(await version()).toBe(before);
    await expect(
      swarmNodeReady(manager, 'abcdefghijklmnopqrstuvwxy', { timeoutMs: 1_000 }),
    ).rejects.toThrow(/did not list node abcdefghijklmnopqrstuvwxy within 1000 ms/);
  });

  it('reads every node for many waiting ones in one command, labelling the Ready ones once', async () => {
    const unknown = 'abcdefghijklmnopqrstuvwxy';
    const wanted = [
      { nodeId: ids[1]!, labels: { 'flotilla.node-id': 'node_b' } },
      { nodeId: ids[2]!, labels: { 'flotilla.node-id': 'node_c' } },
      { nodeId: unknown, labels: { 'flotilla.node-id': 'node_x' } },
    ];
    const commands: string[] = [];
    const counting = {
      run: (command: string, options?: Parameters<SshSession['run']>[1]) => {
        commands.push(options?.label ?? command);
        return manager.run(command, options);
      },
    };
    const read = await swarmReadyNodes(counting, wanted);
    expect(read.nodes.map((n) => n.id).sort()).toEqual([...ids].sort());
    expect(read.nodes.every((n) => n.status === 'ready')).toBe(true);
    expect(read.nodes.find((n) => n.id === ids[2])?.role).toBe('worker');
    expect(read.ready.map((n) => n.id).sort()).toEqual([ids[1], ids[2]].sort());
    // node_b was labelled by the test before; only node_c needed a label: two commands.
    expect(commands).toEqual(['swarm.nodes-ready', 'swarm.label']);
    const labels = await manager.runOk(
      `docker node inspect --format '{{index .Spec.Labels "flotilla.node-id"}}' ${ids[1]} ${ids[2]}`,
    );
    expect(labels.trim().split('\n')).toEqual(['node_b', 'node_c']);

    // Labelled already: one read, no write.
    commands.length = 0;
    const again = await swarmReadyNodes(counting, wanted);
    expect(again.ready).toHaveLength(2);
    expect(commands).toEqual(['swarm.nodes-ready']);
    await expect(swarmReadyNodes(manager, [{ nodeId: 'x; reboot' }])).rejects.toThrow(
      /not a Swarm node id/,
    );
  });

  it('rejects bad input with the field named, before touching the server', async () => {
    await expect(swarmInit(manager, { advertiseAddr: '1.2.3.4; reboot' })).rejects.toThrow(
      /advertiseAddr: not an IP address/,
    );
    await expect(swarmDemote(manager, 'x; reboot')).rejects.toBeInstanceOf(BootstrapError);
  });

  it('drain moves a service’s tasks to the other nodes', async () => {
    const [a, b, c] = testbed.hosts;
    await manager.runOk(
      `docker service create -d --no-resolve-image --name naps --replicas 3 ${testbed.sleeperImage}`,
    );
    const placement = async () =>
      (
        await manager.runOk(
          'docker service ps naps --filter desired-state=running --format "{{.Node}} {{.CurrentState}}"',
        )
      )
        .trim()
        .split('\n')
        .filter((line) => line.includes(' Running '))
        .map((line) => line.split(' ')[0])
        .sort();
    // Swarm spreads the replicas, one per node.
    const before = await vi.waitFor(async () => {
      const nodes = await placement();
      expect(nodes).toHaveLength(3);
      return nodes;
    }, poll);
    expect(before).toEqual([a!.name, b!.name, c!.name].sort());

    expect(await swarmDrain(manager, ids[2]!, { timeoutMs: 60_000 })).toEqual({ changed: true });
    const after = await vi.waitFor(async () => {
      const nodes = await placement();
      expect(nodes).toHaveLength(3);
      return nodes;
    }, poll);
    expect(after).not.toContain(c!.name);
    expect(new Set(after)).toEqual(new Set([a!.name, b!.name]));
    expect(await swarmDrain(manager, ids[2]!)).toEqual({ changed: false });
  });

  it('a worker leaves and is removed from the manager’s list; both are no-ops the second time', async () => {
    const leaving = sessions[2]!;
    expect(await swarmLeave(leaving)).toEqual({ changed: true });
    expect(await swarmLeave(leaving)).toEqual({ changed: false });
    expect(await swarmRemoveNode(manager, ids[2]!, { timeoutMs: 60_000 })).toEqual({
      changed: true,
    });
    expect(await swarmRemoveNode(manager, ids[2]!)).toEqual({ changed: false });
    const nodes = await swarmNodes(manager);
    expect(nodes.map((n) => n.id).sort()).toEqual([ids[0]!, ids[1]!].sort());
  });

  it('a manager is demoted, leaves and is removed', async () => {
    const leaving = sessions[1]!;
    expect(await swarmDemote(manager, ids[1]!)).toEqual({ changed: true });
    expect(await swarmLeave(leaving)).toEqual({ changed: true });
    expect(await swarmRemoveNode(manager, ids[1]!, { timeoutMs: 60_000 })).toEqual({
      changed: true,
    });
    expect((await swarmNodes(manager)).map((n) => n.id)).toEqual([ids[0]!]);
    // The last manager leaves only with force.
    await expect(swarmLeave(manager)).rejects.toThrow(/swarm.leave exited with/);
    expect(await swarmLeave(manager, { force: true })).toEqual({ changed: true });
  });

  it('waits for a join Docker goes on with in the background when the manager answers late', async () => {
    const [a, , c] = testbed.hosts;
    const init = await swarmInit(manager, { advertiseAddr: a!.host, joinTokens: true });
    // The manager answers nothing on 2377 for longer than `docker swarm join` waits (20 s).
    await testbed.exec(a!.name, 'iptables -I INPUT -p tcp --dport 2377 -j DROP');
    const unblock = setTimeout(() => {
      void testbed.exec(a!.name, 'iptables -D INPUT -p tcp --dport 2377 -j DROP');
    }, 25_000);
    try {
      const joined = await swarmJoin(sessions[2]!, {
        token: init.tokens!.worker,
        managerAddr: a!.host,
        advertiseAddr: c!.host,
      });
      expect(joined.changed).toBe(true);
      const nodes = await swarmNodes(manager);
      expect(nodes.map((n) => n.id)).toContain(joined.nodeId);
    } finally {
      clearTimeout(unblock);
      await testbed.exec(a!.name, 'iptables -D INPUT -p tcp --dport 2377 -j DROP || true');
      await swarmLeave(sessions[2]!, { force: true });
      await swarmLeave(manager, { force: true });
    }
  }, 150_000);
});
