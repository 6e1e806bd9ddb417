"""Public interface of the mentor: no other module uses it yet (readings that ask the mentor for a text will)."""
