/** The reference page's stylesheet: system fonts, one column of prose beside a sticky index. */
export const REFERENCE_PAGE_CSS = `
:root { color-scheme: light; --ink: #1d1d1f; --muted: #6b6b73; --line: #e4e4e9; --wash: #f6f6f8;
  --accent: #0b5cd5; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); line-height: 1.5; display: grid;
  grid-template-columns: 17rem minmax(0, 1fr); }
nav { position: sticky; top: 0; height: 100vh; overflow-y: auto; padding: 1.25rem 1rem;
  border-right: 1px solid var(--line); background: var(--wash); font-size: 0.875rem; }
nav ul { list-style: none; margin: 0 0 0.75rem; padding: 0; }
nav li a { display: flex; gap: 0.4rem; align-items: baseline; padding: 0.15rem 0.25rem;
  border-radius: 4px; color: var(--ink); text-decoration: none; overflow-wrap: anywhere; }
nav li a:hover { background: var(--line); }
.brand { font-weight: 600; margin: 0 0 1rem; }
.version { color: var(--muted); font-weight: 400; }
.group { margin: 0.75rem 0 0.25rem; font-size: 0.75rem; font-weight: 600; text-transform: uppercase;
  letter-spacing: 0.04em; color: var(--muted); }
main { padding: 2rem 3rem 4rem; max-width: 64rem; min-width: 0; }
h1 { font-size: 1.75rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 0.25rem; padding-bottom: 0.25rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.1rem; margin: 0 0 0.25rem; }
h4 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted);
  margin: 1rem 0 0.35rem; }
.lead { color: var(--muted); margin-top: 0; }
article { padding: 1.25rem 0; border-bottom: 1px solid var(--line); scroll-margin-top: 1rem; }
p { margin: 0.35rem 0; overflow-wrap: anywhere; }
a { color: var(--accent); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em;
  background: var(--wash); padding: 0.05rem 0.2rem; border-radius: 4px; overflow-wrap: anywhere; }
.route code { font-size: 0.95em; }
.verb { display: inline-block; min-width: 3.6rem; padding: 0.05rem 0.4rem; border-radius: 4px;
  font-size: 0.7rem; font-weight: 700; text-transform: uppercase; text-align: center; color: #fff;
  background: #5f6b7a; }
nav .verb { flex: none; min-width: 3.1rem; font-size: 0.62rem; }
.verb.get { background: #1a7f4b; } .verb.post { background: #0b5cd5; } .verb.put { background: #8a5a00; }
.verb.patch { background: #6f42c1; } .verb.delete { background: #b42318; }
.tag { font-size: 0.7rem; font-weight: 600; color: var(--muted); border: 1px solid var(--line);
  border-radius: 999px; padding: 0 0.45rem; vertical-align: middle; text-transform: none; letter-spacing: 0; }
.req { font-size: 0.7rem; color: #b42318; white-space: nowrap; }
.muted { color: var(--muted); }
table { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 0.875rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line);
  overflow-wrap: anywhere; }
th { font-size: 0.75rem; color: var(--muted); font-weight: 600; }
th:first-child { width: 30%; }
.responses th:first-child { width: 5rem; }
.responses th:nth-child(2) { width: 35%; }
.status { font-family: ui-monospace, monospace; font-weight: 600; }
.s2 { color: #1a7f4b; } .s4 { color: #b54708; } .s5 { color: #b42318; }
@media (max-width: 800px) { body { display: block; } nav { position: static; height: auto; }
  main { padding: 1.5rem 1rem; } }
`;
