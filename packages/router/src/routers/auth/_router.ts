// auth.*: sign-up, sign-in, invitations and the caller's own session. One procedure per file
// (`<name>.handler.ts` beside `<name>.schema.ts`).
import * as acceptInvite from './acceptInvite.handler.ts';
import * as changePassword from './changePassword.handler.ts';
import * as endSession from './endSession.handler.ts';
import * as login from './login.handler.ts';
import * as logout from './logout.handler.ts';
import * as me from './me.handler.ts';
import * as methods from './methods.handler.ts';
import * as refresh from './refresh.handler.ts';
import * as register from './register.handler.ts';
import * as sessions from './sessions.handler.ts';
import * as status from './status.handler.ts';

export const authProcedures = {
  status,
  methods,
  register,
  login,
  acceptInvite,
  me,
  refresh,
  sessions,
  endSession,
  changePassword,
  logout,
};
