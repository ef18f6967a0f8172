"""A setup re-run by another handler: ``self.__init__()`` anywhere in the project (any
receiver: it could be any object's) may empty any collection an ``__init__`` builds,
so once per key is not trusted in this project at all."""

from desk.venue import route


class Steady:
    def __init__(self):
        self.steady = set()

    def on_quote(self, quote):
        for symbol in quote.symbols:
            if symbol not in self.steady:
                self.steady.add(symbol)
                route(symbol, 100)  # expect: FL301


class Resetting:
    def __init__(self):
        self.resetting = set()

    def on_quote(self, quote):
        for symbol in quote.symbols:
            if symbol not in self.resetting:
                self.resetting.add(symbol)
                route(symbol, 100)  # expect: FL301

    def on_signal(self, signal):
        self.__init__()
