export * from './events.ts';
export * from './log.ts';
export * from './stack.ts';
export * from './status.ts';
export * from './transition.ts';
