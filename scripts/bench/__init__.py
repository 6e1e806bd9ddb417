"""The benchmarks (docs/BENCHMARKS.md), one module each, run from the project directory as
`python -m scripts.bench.<name>` (the `just bench*` recipes do):

- `api`: three API endpoints under k6 (`api.js`), `just bench`;
- `feed`: the feeds and post creation on a seeded social graph, under k6 (`feed.js`), `just bench-feed`;
- `realtime`: messages over REST, delivered over WebSockets on two daphne processes, `just bench-realtime`;
- `mentor`: concurrent mentor SSE streams from a fake LLM provider, `just bench-mentor`;
- `rewards`: the monthly rewards run on a million events, `just bench-rewards`.

`runner` is what they share. Each has `--smoke`: every step in seconds on tiny data (CI runs them all).
"""
