from bot.exchange import client

held = {}


class Desk:
    def __init__(self):
        self.book = {}

    def on_tick(self, tick):
        self.refresh(tick)
        for symbol in list(self.book):
            client.create_order(symbol, "SELL", self.book[symbol])  # H1 refilled by a method the handler calls
            self.book.pop(symbol)

    def refresh(self, tick):
        self.book[tick.symbol] = tick.size


class Desk2:
    def __init__(self):
        self.book = {}

    def on_bar(self, bar):
        self.book[bar.symbol] = 100

    def on_tick(self, tick):
        for symbol in list(self.book):
            client.create_order(symbol, "SELL", self.book[symbol])  # H2 refilled by another handler each bar
            self.book.pop(symbol)


class Desk3:
    def on_tick(self, positions):
        for symbol in list(positions):
            client.create_order(symbol, "SELL", positions[symbol])  # H3 holdings are the handler's parameter
            positions.pop(symbol)


class Desk4:
    def __init__(self):
        self.book = {}

    def on_tick(self, tick):
        book = self.book
        for symbol in list(book):
            client.create_order(symbol, "SELL", book[symbol])  # H4 alias; self.book rebound each tick
            book.pop(symbol)
        self.book = dict(tick.snapshot)


def h5_alias_refill(feed):
    while True:
        mirror = held
        mirror.update(feed.snapshot())
        for symbol in list(held):
            client.create_order(symbol=symbol, side="SELL", quantity=held[symbol]["volume"])  # H5 refilled via alias
            held.pop(symbol)


def h6_refill_via_param(feed):
    while True:
        load(held, feed)
        for symbol in list(held):
            client.create_order(symbol=symbol, side="SELL", quantity=held[symbol]["volume"])  # H6 refilled by a helper taking it as a parameter
            held.pop(symbol)


def load(book, feed):
    book.update(feed.snapshot())


def h7_sell_other_symbol(feed):
    while True:
        for symbol in list(held):
            client.create_order(symbol=feed.hedge, side="SELL", quantity=held[symbol]["volume"])  # H7 sells another symbol
            held.pop(symbol)
        held.update(feed.snapshot())
