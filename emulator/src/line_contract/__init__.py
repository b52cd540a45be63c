"""What the service and the LINE emulator both need of LINE, and nothing else.

- `spec`: LINE's published OpenAPI files (`openapi/`) and a validator for their schemas;
- `signature`: the webhook signature (`x-line-signature`), signed by one side and checked
  by the other;
- `credentials`: the emulator's well-known channel credentials.

It imports neither `moph_connect` nor `line_emulator` (a contract `lint-imports` checks),
so both can depend on it without depending on each other.
"""
