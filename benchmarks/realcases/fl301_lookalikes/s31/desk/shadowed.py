"""``len`` here is a project function that empties what it is given."""

from market_data import feed

from desk.helpers import len
from desk.venue import route

measured = set()


def enter_and_measure():
    while True:
        for symbol in feed.symbols():
            if symbol not in measured:
                measured.add(symbol)
                route(symbol, 100)  # expect: FL301
        print(len(measured))
