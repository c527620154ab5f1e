export * from './jobs.ts';
export * from './outbox.ts';
export * from './queues.ts';
