"""The web console at /console: ministry and hospital operators sign in and see how
messages go out, manage hospitals and their keys. Server-rendered (Jinja2), every asset
served from this package, no script needed."""
