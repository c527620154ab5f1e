import { registry, registryRef } from './schema.ts';

export const registrySetDefaultInput = registryRef;
export const registrySetDefaultOutput = registry;
