import { z } from 'zod';

/** Who may register now: the first user, anyone (open sign-up), or only invited people. */
export const signupMode = z.enum(['first-user', 'open', 'invitation-only']);

export const authStatusOutput = z.object({ signup: signupMode });
