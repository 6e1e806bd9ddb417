"""Public interface of the rewards module: no other module uses it yet (revenue will come in here from payments)."""
