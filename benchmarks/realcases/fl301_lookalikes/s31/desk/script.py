"""A script's main loop: the record right after the send, and nothing can catch
the send's error (an exception ends the program)."""

from market_data import feed

from desk.venue import route

hedged = []

while True:
    for name in feed.symbols():
        if name not in hedged:
            route(name, 5)  # ok: FL301
            hedged.append(name)
