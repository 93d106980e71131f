import { createContext, useContext } from 'react';
import type { Role } from './routes';

export interface Viewer {
  email: string;
  role: Role;
  firstName: string;
  lastName: string;
}

export interface Session {
  viewer: Viewer;
  /** Drop every cached answer and go to sign-in (after sign-out or a lost session). */
  signedOut: (returnTo?: string) => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
