"""The web console at /console: ministry and hospital operators sign in and see how
messages go out, manage hospitals and their keys. Server-rendered (Jinja2), every asset
served from this package, no script needed.

Adding a page: a router in a module of its own whose endpoints take `CurrentOperator`
(and `CheckedForm` for a POST) from `deps.py`, filter every query with
`scoping.scope_of(operator)` (or answer 404 through `require_hospital` /
`require_ministry`), and answer with `pages.page(...)` on a template that extends
`base.html`; then include the router in `routes.install`, add a `pages.NavItem` to
`pages.NAV`, and its words to `i18n.CATALOGUE` in both languages. No inline script or
`style=` attribute: the console's Content-Security-Policy (`api/edge.py`) refuses them.
"""
