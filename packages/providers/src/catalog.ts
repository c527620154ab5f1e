// The one table that maps Flotilla's plans and regions to each cloud's machine types, regions
// and images. `cluster.create` validates against it, the dashboard offers its choices, and the
// provider clients read machine types and images from it. Pure data: safe to import anywhere.

export const cloudProviders = ['digitalocean', 'hetzner', 'aws'] as const;
export type CloudProvider = (typeof cloudProviders)[number];

/** `ssh` is the user's own servers: no plan, no region, no machine to create. */
export const providers = [...cloudProviders, 'ssh'] as const;
export type Provider = (typeof providers)[number];

export const plans = ['nano', 'micro', 'small', 'medium', 'power'] as const;
export type Plan = (typeof plans)[number];

export interface MachineType {
  /** The provider's own name for the machine type (size slug, server type, instance type). */
  type: string;
  vcpus: number;
  memoryGb: number;
}

export interface Region {
  code: string;
  name: string;
}

export interface ProviderCatalog {
  label: string;
  regions: readonly Region[];
  machineTypes: Readonly<Record<Plan, MachineType>>;
  /** Operating system image: Ubuntu 24.04 LTS in each provider's naming. */
  image: string;
  /** Who publishes the image, where the name alone is not trustworthy (AWS AMI names are not unique). */
  imageOwner?: string;
}

export const catalog: Readonly<Record<CloudProvider, ProviderCatalog>> = {
  digitalocean: {
    label: 'DigitalOcean',
    regions: [
      { code: 'nyc1', name: 'New York 1' },
      { code: 'nyc3', name: 'New York 3' },
      { code: 'sfo2', name: 'San Francisco 2' },
      { code: 'sfo3', name: 'San Francisco 3' },
      { code: 'tor1', name: 'Toronto 1' },
      { code: 'ams3', name: 'Amsterdam 3' },
      { code: 'lon1', name: 'London 1' },
      { code: 'fra1', name: 'Frankfurt 1' },
      { code: 'blr1', name: 'Bangalore 1' },
      { code: 'sgp1', name: 'Singapore 1' },
      { code: 'syd1', name: 'Sydney 1' },
    ],
    machineTypes: {
      nano: { type: 's-1vcpu-1gb', vcpus: 1, memoryGb: 1 },
      micro: { type: 's-1vcpu-2gb', vcpus: 1, memoryGb: 2 },
      small: { type: 's-2vcpu-4gb', vcpus: 2, memoryGb: 4 },
      medium: { type: 's-4vcpu-8gb', vcpus: 4, memoryGb: 8 },
      power: { type: 's-8vcpu-16gb', vcpus: 8, memoryGb: 16 },
    },
    image: 'ubuntu-24-04-x64',
  },
  hetzner: {
    label: 'Hetzner Cloud',
    regions: [
      { code: 'fsn1', name: 'Falkenstein' },
      { code: 'nbg1', name: 'Nuremberg' },
      { code: 'hel1', name: 'Helsinki' },
      { code: 'ash', name: 'Ashburn, VA' },
      { code: 'hil', name: 'Hillsboro, OR' },
      { code: 'sin', name: 'Singapore' },
    ],
    // The CPX (shared AMD) line is offered in every location.
    machineTypes: {
      nano: { type: 'cpx11', vcpus: 2, memoryGb: 2 },
      micro: { type: 'cpx21', vcpus: 3, memoryGb: 4 },
      small: { type: 'cpx31', vcpus: 4, memoryGb: 8 },
      medium: { type: 'cpx41', vcpus: 8, memoryGb: 16 },
      power: { type: 'cpx51', vcpus: 16, memoryGb: 32 },
    },
    image: 'ubuntu-24.04',
  },
  aws: {
    label: 'Amazon EC2',
    regions: [
      { code: 'us-east-1', name: 'US East (N. Virginia)' },
      { code: 'us-east-2', name: 'US East (Ohio)' },
      { code: 'us-west-1', name: 'US West (N. California)' },
      { code: 'us-west-2', name: 'US West (Oregon)' },
      { code: 'ca-central-1', name: 'Canada (Central)' },
      { code: 'eu-west-1', name: 'Europe (Ireland)' },
      { code: 'eu-west-2', name: 'Europe (London)' },
      { code: 'eu-central-1', name: 'Europe (Frankfurt)' },
      { code: 'eu-north-1', name: 'Europe (Stockholm)' },
      { code: 'ap-south-1', name: 'Asia Pacific (Mumbai)' },
      { code: 'ap-southeast-1', name: 'Asia Pacific (Singapore)' },
      { code: 'ap-southeast-2', name: 'Asia Pacific (Sydney)' },
      { code: 'ap-northeast-1', name: 'Asia Pacific (Tokyo)' },
      { code: 'sa-east-1', name: 'South America (São Paulo)' },
    ],
    machineTypes: {
      nano: { type: 't3.micro', vcpus: 2, memoryGb: 1 },
      micro: { type: 't3.small', vcpus: 2, memoryGb: 2 },
      small: { type: 't3.medium', vcpus: 2, memoryGb: 4 },
      medium: { type: 't3.large', vcpus: 2, memoryGb: 8 },
      power: { type: 't3.xlarge', vcpus: 4, memoryGb: 16 },
    },
    // A name pattern resolved per region to the newest AMI (DescribeImages), from Canonical only.
    image: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*',
    imageOwner: '099720109477',
  },
};

export function isCloudProvider(provider: string): provider is CloudProvider {
  return (cloudProviders as readonly string[]).includes(provider);
}

export function regionCodes(provider: CloudProvider): string[] {
  return catalog[provider].regions.map((region) => region.code);
}

export function machineType(provider: CloudProvider, plan: Plan): MachineType {
  return catalog[provider].machineTypes[plan];
}
