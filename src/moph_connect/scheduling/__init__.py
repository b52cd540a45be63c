"""When MOPH Connect sends what: the timing rules (`rules`), pure and free of I/O.

The API asks `rules.plan_messages` what one hospital call should plan; the dispatcher asks
`rules.deliverable_now` whether a message that is due (perhaps late) may go out now. The
decision table is written out for hospital developers and operators in `docs/timing.md`.
"""
