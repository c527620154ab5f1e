import { Link } from './components/link.tsx';
import { Empty } from './components/states.tsx';
import { hrefFor, useRoute } from './route.ts';

export function App() {
  const route = useRoute();
  return (
    <>
      <header className="topbar">
        <Link className="brand" href="/">
          <img src="/favicon.svg" alt="" />
          Flotilla
        </Link>
      </header>
      <main id="main">
        <Empty title={`Page ${route.page}`}>
          <Link href={hrefFor({ page: 'clusters' })}>Clusters</Link>
        </Empty>
      </main>
    </>
  );
}
