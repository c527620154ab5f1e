import { listInput, pageOf } from '../../schemas/common.ts';
import { tokenSummary } from './schema.ts';

export const tokenListInput = listInput(['createdAt', 'name'], 'createdAt');
export const tokenListOutput = pageOf(tokenSummary);
