"""A script's loop where the send's error can be caught: stays reported."""

from contextlib import suppress

from market_data import feed

from desk.venue import route

suppressed = []

while True:
    for name in feed.symbols():
        if name not in suppressed:
            with suppress(TimeoutError):
                route(name, 5)  # expect: FL301
            suppressed.append(name)

finally_continue = []

while True:
    for name in feed.symbols():
        if name not in finally_continue:
            try:
                route(name, 5)  # expect: FL301
            finally:
                continue  # swallows the send's error: the key is never recorded
            finally_continue.append(name)
