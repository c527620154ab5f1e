export * from './control-plane-nodes.ts';
export * from './jobs.ts';
export * from './outbox.ts';
export * from './queues.ts';
export * from './routing.ts';
