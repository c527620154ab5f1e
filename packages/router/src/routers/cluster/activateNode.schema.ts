import { restOutput } from '../../schemas/rest.ts';
import { node, nodeRef, nodeRestRef, nodeToRest, restNode } from './schema.ts';

export const activateNodeInput = nodeRef;
export const activateNodeOutput = node;
/** `POST /api/v1/nodes/{id}/…` */
export const activateNodeRestInput = nodeRestRef;
export const activateNodeToRest = restOutput(restNode, nodeToRest);
