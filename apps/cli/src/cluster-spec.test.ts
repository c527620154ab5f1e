import { describe, expect, it } from 'vitest';
import { createInput, parseNodeFlag } from './cluster-spec.ts';

const manager = (value: string) => ({ role: 'manager' as const, flag: '--manager', value });
const worker = (value: string) => ({ role: 'worker' as const, flag: '--worker', value });
const server = (value: string) => ({ role: 'manager' as const, flag: '--server', value });

describe('node flags', () => {
  it('reads plan:count as cloud machines, the count defaulting to one', () => {
    expect(parseNodeFlag(manager('small:3'))).toEqual({
      kind: 'cloud',
      role: 'manager',
      plan: 'small',
      count: 3,
    });
    expect(parseNodeFlag(worker('power'))).toMatchObject({ plan: 'power', count: 1 });
  });

  it('reads [user@]host[:port] as a server of your own, IPv6 in brackets', () => {
    expect(parseNodeFlag(server('admin@10.0.0.5:2222'))).toEqual({
      kind: 'server',
      role: 'manager',
      host: '10.0.0.5',
      port: 2222,
      user: 'admin',
    });
    expect(parseNodeFlag(worker('node-7.example.com'))).toEqual({
      kind: 'server',
      role: 'worker',
      host: 'node-7.example.com',
    });
    expect(parseNodeFlag(server('root@[2001:db8::5]:22'))).toMatchObject({
      host: '2001:db8::5',
      port: 22,
    });
  });

  it('refuses a mistyped plan, a zero count and a port out of range, naming the flag', () => {
    expect(() => parseNodeFlag(manager('huge:3'))).toThrow(/--manager huge:3: no plan "huge"/);
    expect(() => parseNodeFlag(worker('small:0'))).toThrow(/--worker small:0: the count/);
    expect(() => parseNodeFlag(server('root@h:70000'))).toThrow(/between 1 and 65535/);
    expect(() => parseNodeFlag(server('root@a b'))).toThrow(/expected plan:count/);
  });
});

describe('cluster.create body', () => {
  const base = { name: 'lab', orchestrator: 'swarm' };

  it('makes an ssh cluster of servers, keeping the order in which they were given', () => {
    const { input } = createInput({
      ...base,
      sshKeyId: 'key_1',
      nodes: [server('root@10.0.0.5'), worker('10.0.0.6:2222')],
    });
    expect(input).toEqual({
      ...base,
      provider: 'ssh',
      sshKeyId: 'key_1',
      nodes: [
        { role: 'manager', host: '10.0.0.5', user: 'root' },
        { role: 'worker', host: '10.0.0.6', port: 2222 },
      ],
    });
  });

  it('makes a cloud cluster of plan groups', () => {
    const { input } = createInput({
      ...base,
      provider: 'hetzner',
      region: 'nbg1',
      nodes: [manager('small:3'), worker('medium:2')],
    });
    expect(input).toEqual({
      ...base,
      provider: 'hetzner',
      region: 'nbg1',
      nodes: [
        { role: 'manager', plan: 'small', count: 3 },
        { role: 'worker', plan: 'medium', count: 2 },
      ],
    });
  });

  it('refuses combinations that cannot work before asking the server', () => {
    expect(() => createInput({ ...base, nodes: [] })).toThrow(/no nodes/);
    expect(() =>
      createInput({
        ...base,
        sshKeyId: 'k',
        nodes: [manager('small:1'), worker('root@h.example')],
      }),
    ).toThrow(/not both/);
    expect(() => createInput({ ...base, nodes: [server('root@h.example')] })).toThrow(/--ssh-key/);
    expect(() =>
      createInput({ ...base, provider: 'aws', sshKeyId: 'k', nodes: [server('root@h.example')] }),
    ).toThrow(/--provider aws creates machines/);
    expect(() => createInput({ ...base, nodes: [manager('small:1')] })).toThrow(/give --provider/);
    expect(() =>
      createInput({ ...base, provider: 'hetzner', nodes: [manager('small:1')] }),
    ).toThrow(/--region is required/);
  });

  it("maps the server's field paths back to the flags they came from", () => {
    const { flagOf } = createInput({
      ...base,
      sshKeyId: 'key_1',
      nodes: [server('root@10.0.0.5'), worker('root@10.0.0.6')],
    });
    expect(flagOf('nodes.1.host')).toBe('--worker root@10.0.0.6');
    expect(flagOf('name')).toBe('<name>');
    expect(flagOf('sshKeyId')).toBe('--ssh-key');
    expect(flagOf('nodes')).toBe('--manager/--worker');
  });
});
