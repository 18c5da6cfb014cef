"""The HTTP layer: the request pipeline, its transport, parameter encoding, decoding,
signing, the server clock, retries and exactly-once reconciliation."""
