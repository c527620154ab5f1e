export { hashPassword, verifyPassword } from './password.ts';
export { createSealer, type Sealer } from './seal.ts';
export { generateToken, hashToken, safeEqual } from './token.ts';
