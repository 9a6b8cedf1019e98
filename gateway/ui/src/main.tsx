// The Baton console: a single-page application served by `baton serve` under /ui/.

import { render } from "preact";
import "./style.css";
import { TokenDialog } from "./components/TokenDialog";
import { CallbackPage } from "./pages/CallbackPage";
import { ExecutionPage } from "./pages/ExecutionPage";
import { MachinePage } from "./pages/MachinePage";
import { MachinesPage } from "./pages/MachinesPage";
import { prefetchExecution } from "./execution/useExecution";
import { interceptLinks, parseRoute, urls, useLocation } from "./router";

function App() {
  const { route, search } = useLocation();
  let page;
  switch (route.page) {
    case "machines":
      page = <MachinesPage />;
      break;
    case "machine":
      page = <MachinePage key={route.name} name={route.name} search={search} />;
      break;
    case "execution":
      page = <ExecutionPage key={`${route.machine}/${route.execution}`} machine={route.machine} execution={route.execution} />;
      break;
    case "callback":
      page = <CallbackPage key={route.token} token={route.token} />;
      break;
    default:
      page = (
        <section>
          <h1>Page not found</h1>
          <p>
            <a href={urls.machines()}>State machines</a>
          </p>
        </section>
      );
  }
  return (
    <>
      <header class="top">
        <a class="brand" href={urls.machines()}>
          Baton
        </a>
        {route.page !== "callback" && (
          <nav aria-label="Main">
            <a href={urls.machines()}>State machines</a>
          </nav>
        )}
      </header>
      <main id="main">{page}</main>
      {route.page !== "callback" && <TokenDialog />}
    </>
  );
}

interceptLinks();
const first = parseRoute(location.pathname);
if (first.page === "execution") prefetchExecution(first.machine, first.execution);
const root = document.getElementById("app");
if (root) render(<App />, root);
