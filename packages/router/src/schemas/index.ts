// The zod inputs and outputs of every procedure: imported by the router, the OpenAPI document
// and the dashboard's forms, so each rule is written once.
export * from './audit.ts';
export * from './auth.ts';
export * from './catalog.ts';
export * from './cluster.ts';
export * from './common.ts';
export * from './organization.ts';
export * from './provider.ts';
export * from './sshKey.ts';
export * from './token.ts';
