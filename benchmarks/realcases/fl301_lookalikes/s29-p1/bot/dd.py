import time
from bot.exchange import client

sent = set()
norm = set()
asserted = set()
stepped = set()


def send_child_order(symbol, quantity):
    return symbol


def d1_key_rebound(feed):
    while True:
        for sym in feed.candidates():
            if sym not in norm:
                client.create_order(symbol=sym, side="BUY", quantity=100)  # D1 key rebound before record
                sym = sym.upper()
                norm.add(sym)


def d2_raise_between(feed):
    while True:
        try:
            for parent in feed.parents():
                if parent.id not in asserted:
                    client.create_order(parent.symbol, "BUY", quantity=100)  # D2 power peg: record skipped by a raising check
                    assert parent.filled >= parent.quantity
                    asserted.add(parent.id)
        except AssertionError:
            pass


def d3_check_raises(feed):
    while True:
        for parent in feed.parents():
            try:
                if parent.id not in stepped:
                    client.create_order(parent.symbol, "BUY", quantity=100)  # D3 power peg: confirm() raises unless filled
                    confirm(parent)
                    stepped.add(parent.id)
            except ValueError:
                continue


def confirm(parent):
    if parent.filled < parent.quantity:
        raise ValueError("not filled")


def d4_else_after_timeout(feed):
    while True:
        for sym in feed.candidates():
            if sym not in sent:
                try:
                    client.create_order(symbol=sym, side="BUY", quantity=100)  # D4 timeout after accept: retried forever
                except TimeoutError:
                    pass
                else:
                    sent.add(sym)


class Peg:
    def __init__(self):
        self.done = set()

    def on_tick(self, tick):
        if tick.parent_id not in self.done:
            client.create_order(tick.symbol, "BUY", quantity=100)  # D5 done difference_update'd each bar
            self.done.add(tick.parent_id)

    def on_bar(self, bar):
        self.done.difference_update(bar.ids)


class Peg2:
    def __init__(self):
        self.done = set()

    def on_tick(self, tick):
        if tick.parent_id not in self.done:
            client.create_order(tick.symbol, "BUY", quantity=100)  # D6 setup re-run by another method each bar
            self.done.add(tick.parent_id)

    def on_bar(self, bar):
        self.__init__()


class Peg3:
    def __init__(self):
        self.done = set()

    def on_tick(self, tick):
        if tick.parent_id not in self.done:
            client.create_order(tick.symbol, "BUY", quantity=100)  # D7 alias cleared elsewhere
            self.done.add(tick.parent_id)

    def on_bar(self, bar):
        done = self.done
        done.clear()


class BasePeg:
    def __init__(self):
        self.done = set()

    def on_tick(self, tick):
        if tick.parent_id not in self.done:
            client.create_order(tick.symbol, "BUY", quantity=100)  # D8 subclass clears it each bar
            self.done.add(tick.parent_id)


class LivePeg(BasePeg):
    def on_bar(self, bar):
        self.done.clear()


class TTLPeg:
    def __init__(self):
        from cachetools import TTLCache
        self.done = TTLCache(maxsize=10000, ttl=1)

    def on_tick(self, tick):
        if tick.parent_id not in self.done:
            client.create_order(tick.symbol, "BUY", quantity=100)  # D9 a TTL cache forgets each second
            self.done[tick.parent_id] = True


def reset(bot):
    bot.done = set()


class Peg4:
    def __init__(self):
        self.done = set()

    def on_tick(self, tick):
        if tick.parent_id not in self.done:
            client.create_order(tick.symbol, "BUY", quantity=100)  # D10 reset by a module function
            self.done.add(tick.parent_id)
        reset(self)


def d11_key_attr_rebound(feed):
    while True:
        for tick in feed.ticks():
            if tick.symbol not in sent:
                client.create_order(tick.symbol, "BUY", quantity=100)  # D11 record of a later tick's symbol
                tick = feed.next()
                sent.add(tick.symbol)
