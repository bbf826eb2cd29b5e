/** What every console page receives: the signed-in session and the route's argument (#/page/<arg>). */
import type { Session } from './session';

export type PageProps = { session: Session; arg: string | undefined };
