from bot.exchange import client

held = {}
other = {}
CASH = 10000.0


def w1_drop_other_dict(feed):
    while True:
        for sym in list(held):
            client.create_order(symbol=sym, side="SELL", quantity=held[sym]["volume"])  # W1 drops other dict
            other.pop(sym)


def w2_drop_then_readd(feed):
    while True:
        for sym in list(held):
            client.create_order(symbol=sym, side="SELL", quantity=held[sym]["volume"])  # W2 re-added
            held.pop(sym)
            held[sym] = {"volume": 10}


def w3_fixed_size_price_from_holding(feed):
    while True:
        for sym in list(held):
            client.create_order(symbol=sym, side="SELL", quantity=100, price=held[sym]["price"])  # W3 fixed 100, price from holding
            held.pop(sym)


def w4_drop_other_key(feed):
    while True:
        for sym in list(held):
            client.create_order(symbol=sym, side="SELL", quantity=held[sym]["volume"])  # W4 drops other key
            held.pop("USD", None)


def w5_items_double(feed):
    while True:
        for sym, entry in list(held.items()):
            client.create_order(symbol=sym, side="SELL", quantity=entry["volume"] * 10)  # W5 10x the holding
            del held[sym]


def w6_refill(feed):
    while True:
        for sym in list(held):
            client.create_order(symbol=sym, side="SELL", quantity=held[sym]["volume"])  # W6 refilled each pass
            held.pop(sym)
        held.update(feed.snapshot())


def helper_budget_const(sym):
    client.create_order(sym, "BUY", CASH / 10)


class Bot:
    starting_balance = 5000

    def buy_fixed(self, sym):
        client.create_order(sym, "BUY", self.starting_balance * 0.1)

    def on_tick(self, tick):
        self.buy_fixed(tick.symbol)  # B2 handler: constant 'balance'


def b1_budget_const(feed):
    while True:
        helper_budget_const("AAPL")  # B1 constant CASH, never decremented
