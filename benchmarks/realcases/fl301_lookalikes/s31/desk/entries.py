"""Entries sent once per symbol: the set that records them has no other writer."""

from market_data import feed

from desk.venue import route

entered = set()


def enter_each_once():
    while True:
        for symbol in feed.symbols():
            if symbol not in entered:
                entered.add(symbol)
                route(symbol, 100)  # ok: FL301


class Opener:
    def __init__(self):
        self.opened = {}
        self.size = 100

    def on_signal(self, signal):
        for symbol in signal.symbols:
            if symbol in self.opened:
                continue
            self.opened[symbol] = self.size
            route(symbol, self.size)  # ok: FL301

    def report(self):
        return len(self.opened), sorted(self.opened), self.opened.get("X")


class AsyncOpener:
    def __init__(self):
        self.async_opened = set()

    async def on_quote(self, quote):
        for symbol in quote.symbols:
            if symbol not in self.async_opened:
                self.async_opened.add(symbol)
                await route(symbol, 1)  # ok: FL301
