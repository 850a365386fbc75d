"""The road out: adapters that hand a message to a provider, and the dispatcher that drives them."""
