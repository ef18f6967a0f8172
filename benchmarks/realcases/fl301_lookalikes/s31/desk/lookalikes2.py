"""More look-alikes: the collection written elsewhere, by another module or a
subclass, or the object that holds it made anew. Each stays reported."""

from market_data import feed

from desk.venue import route

shared = set()
renamed = set()
as_list = []
TTL = 60


def cleared_from_another_module():
    while True:
        for symbol in feed.symbols():
            if symbol not in shared:
                shared.add(symbol)
                route(symbol, 100)  # expect: FL301


def imported_under_another_name():
    while True:
        for symbol in feed.symbols():
            if symbol not in renamed:
                renamed.add(symbol)
                route(symbol, 100)  # expect: FL301


def a_list_indexed_by_the_key():
    # ``as_list[i] = i`` replaces an element of a list: it adds nothing.
    while True:
        for index in feed.symbols():
            if index not in as_list:
                as_list[index] = index
                route(index, 100)  # expect: FL301


class Cache:
    def __init__(self, ttl):
        self.ttl = ttl


class Expiring:
    def __init__(self):
        self.expiring = Cache(TTL)  # not a literal: what it forgets is unknown

    def on_quote(self, quote):
        for symbol in quote.symbols:
            if symbol not in self.expiring:
                self.expiring[symbol] = True
                route(symbol, 100)  # expect: FL301


class Based:
    def __init__(self):
        self.based = set()

    def on_quote(self, quote):
        for symbol in quote.symbols:
            if symbol not in self.based:
                self.based.add(symbol)
                route(symbol, 100)  # expect: FL301


class Derived(Based):
    def on_signal(self, signal):
        self.based.difference_update(signal.symbols)


class PerEvent:
    def __init__(self):
        self.per_event = set()

    def on_quote(self, quote):
        for symbol in quote.symbols:
            if symbol not in self.per_event:
                self.per_event.add(symbol)
                route(symbol, 100)  # expect: FL301


def dispatch(feed):
    for quote in feed:
        PerEvent().on_quote(quote)  # a new object, an empty set, for every quote


class Factory:
    def __init__(self):
        self.made = set()

    def on_quote(self, quote):
        for symbol in quote.symbols:
            if symbol not in self.made:
                self.made.add(symbol)
                route(symbol, 100)  # expect: FL301


make = Factory  # an alias of the class: instances made where it is called


class Recording:
    def __init__(self):
        self.recording = set()

    def on_quote(self, quote):
        for symbol in quote.symbols:
            if symbol not in self.recording:
                route(symbol, 100)  # expect: FL301
                self.recording.add(symbol)  # after the send: the caller may swallow its error


class OneBranch:
    def __init__(self):
        self.one_branch = set()

    def on_quote(self, quote):
        for symbol in quote.symbols:
            if symbol not in self.one_branch:
                if quote.final:
                    self.one_branch.add(symbol)
                route(symbol, 100)  # expect: FL301


class Parameter:
    def on_quote(self, quote, seen):
        for symbol in quote.symbols:
            if symbol not in seen:
                seen.add(symbol)
                route(symbol, 100)  # expect: FL301


class Rebinding:
    def __init__(self):
        self.rebinding = set()

    def on_quote(self, quote):
        for symbol in quote.symbols:
            if symbol not in self.rebinding:
                self.rebinding.add(symbol)
                try:
                    quote.check()
                except ValueError as symbol:  # rebinds the key
                    print(symbol)
                route(symbol, 100)  # expect: FL301


caught = set()


def rebound_by_an_except_clause():
    while True:
        for symbol in feed.symbols():
            if symbol not in caught:
                caught.add(symbol)
                route(symbol, 100)  # expect: FL301


try:
    TTL = int(TTL)
except ValueError as caught:  # rebinds the module's ``caught``
    print(caught)


class Awaiting:
    def __init__(self):
        self.awaited = set()

    async def on_quote(self, quote):
        for symbol in quote.symbols:
            if symbol not in self.awaited:
                await quote.confirm(symbol)  # other quotes pass the test meanwhile
                self.awaited.add(symbol)
                await route(symbol, 100)  # expect: FL301


class Static:
    def __init__(self):
        self.static_seen = set()

    @staticmethod
    def on_quote(self, quote):  # ``self`` is whatever the caller hands over
        for symbol in quote.symbols:
            if symbol not in self.static_seen:
                self.static_seen.add(symbol)
                route(symbol, 100)  # expect: FL301


def make_legs(signal):
    return [object() for _ in signal.symbols]


class Refilled:
    def __init__(self):
        self.legs_sent = set()
        self.legs = []

    def on_signal(self, signal):
        self.legs = make_legs(signal)  # new objects: every leg is a new key

    def on_quote(self, quote):
        for leg in self.legs:
            if leg not in self.legs_sent:
                self.legs_sent.add(leg)
                route(leg, 100)  # expect: FL301


chained = set()


def made_three_names_back(parent):
    first = make_legs(parent)
    second = first
    third = second
    while True:
        for leg in third:
            if leg not in chained:
                chained.add(leg)
                route(leg, 100)  # expect: FL301
