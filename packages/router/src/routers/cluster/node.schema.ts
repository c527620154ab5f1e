import { restOutput } from '../../schemas/rest.ts';
import { node, nodeRef, nodeRestRef, nodeToRest, restNode } from './schema.ts';

export const clusterNodeInput = nodeRef;
export const clusterNodeOutput = node;

/** `GET /api/v1/nodes/{id}`. */
export const clusterNodeRestInput = nodeRestRef;
/** A node as the platform page shows it (`status` ready | not_ready | draining | down). */
export const nodeToRestOutput = restOutput(restNode, nodeToRest);
