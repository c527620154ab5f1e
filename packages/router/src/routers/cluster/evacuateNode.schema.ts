import { restOutput } from '../../schemas/rest.ts';
import { node, nodeRef, nodeRestRef, nodeToRest, restNode } from './schema.ts';

export const evacuateNodeInput = nodeRef;
export const evacuateNodeOutput = node;
/** `POST /api/v1/nodes/{id}/…` */
export const evacuateNodeRestInput = nodeRestRef;
export const evacuateNodeToRest = restOutput(restNode, nodeToRest);
