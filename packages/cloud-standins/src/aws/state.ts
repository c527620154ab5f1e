// What the EC2 stand-in remembers, per region as in AWS: key pairs, security groups and
// instances (whose machines live in the fleet). Every resource family's actions share it.
import { randomUUID } from 'node:crypto';
import type { Faults } from '../faults.ts';
import type { hang } from '../http.ts';
import type { MachineFleet, StandinMachine } from '../machines.ts';

export interface KeyPair {
  region: string;
  keyPairId: string;
  keyName: string;
  keyFingerprint: string;
  publicKey: string;
}

export interface SecurityGroupRule {
  ipProtocol: string;
  fromPort: number;
  toPort: number;
  cidrIp?: string;
  groupId?: string;
}

export interface SecurityGroup {
  region: string;
  groupId: string;
  groupName: string;
  groupDescription: string;
  rules: SecurityGroupRule[];
  tags: Record<string, string>;
}

export interface Instance {
  region: string;
  instanceId: string;
  reservationId: string;
  clientToken: string;
  imageId: string;
  instanceType: string;
  keyName: string;
  groupIds: string[];
  launchTime: Date;
  /** Set once terminated: AWS keeps showing terminated instances for a while. */
  terminated?: StandinMachine;
}

export interface Image {
  region: string;
  imageId: string;
  name: string;
  creationDate: string;
  imageOwnerId: string;
  imageState: string;
  architecture: string;
  imageType: string;
  rootDeviceType: string;
  isPublic: boolean;
}

export interface AwsState {
  fleet: MachineFleet;
  faults: Faults;
  keyPairs: KeyPair[];
  groups: SecurityGroup[];
  instances: Map<string, Instance>;
  imagesByRegion: Map<string, Image[]>;
  /** Regions the account has not opted into. */
  disabledRegions: Set<string>;
  /** The largest DescribeInstances page the stand-in hands out. */
  maxResults: number;
}

/** One EC2 action: query parameters and the signed region in, the response members out. */
export type Ec2Action = (
  params: URLSearchParams,
  region: string,
) => Promise<Record<string, unknown> | typeof hang>;

/** Answered as EC2's error document with this status and code. */
export class Ec2Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const hex = (length: number) => randomUUID().replaceAll('-', '').slice(0, length);

export const stateCodes = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
} as const;
export type InstanceState = keyof typeof stateCodes;

export function stateOf(state: AwsState, instance: Instance): InstanceState {
  if (instance.terminated) return 'terminated';
  const machine = state.fleet.get(instance.instanceId);
  if (!machine) return 'terminated';
  return machine.state === 'running' ? 'running' : machine.state === 'off' ? 'stopped' : 'pending';
}

export function machineOf(state: AwsState, instance: Instance): StandinMachine {
  return instance.terminated ?? state.fleet.get(instance.instanceId)!;
}

export function requireGroup(state: AwsState, region: string, groupId: string): SecurityGroup {
  const group = state.groups.find((g) => g.region === region && g.groupId === groupId);
  if (!group)
    throw new Ec2Error(
      400,
      'InvalidGroup.NotFound',
      `The security group '${groupId}' does not exist`,
    );
  return group;
}
