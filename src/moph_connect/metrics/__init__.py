"""Prometheus metrics and the health check, for every process of the service.

What each kind of process exports on `GET /metrics` (README, "Metrics and health"):

* **Counters and histograms live in the process that counts them.** `serve` counts the
  hospital API's and the LINE webhooks' requests (`moph_connect_api_requests_total`), and,
  when its dispatcher thread runs, what LINE answered (`moph_connect_line_responses_total`)
  and how late messages went (`moph_connect_send_delay_seconds`); `moph_connect worker
  --metrics-port P` exports the last two for itself. A scrape of one process gives that
  process's counts only, so summing over targets (what Prometheus queries do) counts each
  event once, however many processes run. They start at zero when a process starts
  (Prometheus' `rate()` handles such resets).
* **Gauges read from the database** (`moph_connect_outbox_messages`,
  `moph_connect_outbox_due_backlog`, `moph_connect_channel_paused`) describe state shared by
  every process: only `serve` exports them, never a worker, and only where
  `MOPH_CONNECT_METRICS_DATABASE_GAUGES` is true (the default). With several `serve`
  processes, leave it true on one of them (or aggregate these gauges with `max`, not
  `sum`). They are read at scrape time, at most once per `DATABASE_GAUGE_SECONDS`, over
  connections of their own (`observer.py`), never the API's pool or its SQLite lock.

The dispatcher's hot path takes no lock and makes no query for this: it adds to plain
counters of its own (`dispatch.DispatchTally`), which a collector reads at scrape time.
`/healthz` answers whether the database does (`health.py`). No label ever carries a
patient's name, a LINE user id, an appointment id or a raw path.
"""
