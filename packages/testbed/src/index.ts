export { type CommandResult, TestbedError } from './command.ts';
export { sleeperImage } from './image.ts';
export { generateKeyPair, type KeyPair } from './keys.ts';
export {
  attachTestbed,
  type CreateTestbedOptions,
  createTestbed,
  downTestbeds,
  findHost,
  listTestbeds,
  type Testbed,
  type TestbedHost,
  type TestbedSummary,
} from './testbed.ts';
