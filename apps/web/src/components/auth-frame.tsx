import { type ReactNode, useEffect } from 'react';
import { navigate } from '../route.ts';
import { signIn } from '../session.ts';

/** What sign-in, sign-up and accepting an invitation all end with. */
export function startSession(session: { token: string; organization?: { id: string } }): void {
  signIn(session.token, session.organization?.id);
  navigate('/clusters', { replace: true });
}

/** The centred card the signed-out pages share. */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Flotilla`;
  }, [title]);
  return (
    <main id="main" className="auth">
      <p className="brand">
        <img src="/favicon.svg" alt="" width={28} height={28} />
        Flotilla
      </p>
      <section className="card">
        <h1>{title}</h1>
        {children}
      </section>
    </main>
  );
}
