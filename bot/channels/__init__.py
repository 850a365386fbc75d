"""Channel adapters: turning provider payloads into events, and (with the worker) sending."""
