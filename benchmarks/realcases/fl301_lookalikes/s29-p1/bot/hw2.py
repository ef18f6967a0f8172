from bot.exchange import client

held = {}


def h8_pop_rebound_key(feed):
    while True:
        for symbol in list(held):
            client.create_order(symbol=symbol, side="SELL", quantity=held[symbol]["volume"])  # H8 key rebound before the pop
            symbol = symbol.lower()
            held.pop(symbol, None)


class Peg:
    def __init__(self):
        self.done = set()

    def on_tick(self, tick):
        key = tick.parent_id
        if key not in self.done:
            client.create_order(tick.symbol, "BUY", quantity=100)  # D13 key rebound to the child id
            key = tick.child_id
            self.done.add(key)
