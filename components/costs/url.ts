// The Costs page keeps its state (calculator fields, chosen dataset) in the query string so a link reproduces
// it. history.replaceState updates the address without a server round trip on every keystroke; Next's router
// picks the change up (useSearchParams stays in step).

/** Sets or removes (null) the given params, keeping every other one (e.g. `job`). */
export function replaceSearchParams(update: Record<string, string | null>): void {
  const params = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(update)) {
    if (value === null) params.delete(key);
    else params.set(key, value);
  }
  const query = params.toString();
  window.history.replaceState(window.history.state, "", `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`);
}
