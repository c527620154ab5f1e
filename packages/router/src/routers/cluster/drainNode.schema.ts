import { restOutput } from '../../schemas/rest.ts';
import { node, nodeRef, nodeRestRef, nodeToRest, restNode } from './schema.ts';

export const drainNodeInput = nodeRef;
export const drainNodeOutput = node;
/** `POST /api/v1/nodes/{id}/…` */
export const drainNodeRestInput = nodeRestRef;
export const drainNodeToRest = restOutput(restNode, nodeToRest);
