from bot.exchange import client

MIN_QTY = 100


class Wallet:
    def balance(self):
        return 10_000


class Bot:
    def __init__(self, exchange):
        self.exchange = exchange
        self.wallet = Wallet()
        self.cash = 10_000

    def place_order(self, symbol):
        free = self.exchange.fetch_balance()["free"]["USDT"]
        qty = max(MIN_QTY, free * 0.01)
        self.exchange.create_order(symbol, "BUY", qty)  # B1 floor: at least 100 every call

    def run(self, tick):
        self.place_order(tick.symbol)


class Bot2:
    def __init__(self):
        self.wallet = Wallet()

    def place_order(self, symbol):
        qty = self.wallet.balance() * 0.01
        client.create_order(symbol, "BUY", qty)  # B2 project object's constant "balance"

    def run(self, tick):
        self.place_order(tick.symbol)


class Bot3:
    def __init__(self):
        self.cash = 10_000

    def place_order(self, symbol):
        qty = self.cash * 0.1
        self.cash -= qty
        client.create_order(symbol, "BUY", qty)  # B3 cash set back by the handler each tick

    def run(self, tick):
        self.cash = 10_000
        self.place_order(tick.symbol)


class Bot4:
    def __init__(self, exchange):
        self.exchange = exchange

    def place_order(self, symbol):
        free = self.exchange.fetch_balance()["free"]["USDT"]
        qty = free * 0.01
        qty += MIN_QTY
        self.exchange.create_order(symbol, "BUY", qty)  # B4 qty += fixed lot (AugAssign ignored)

    def run(self, tick):
        self.place_order(tick.symbol)


def lot_for(balance):
    return 100


class Bot5:
    def __init__(self, exchange):
        self.exchange = exchange

    def place_order(self, symbol):
        qty = lot_for(self.exchange.fetch_balance())
        self.exchange.create_order(symbol, "BUY", qty)  # B5 a function ignoring the balance it is given

    def run(self, tick):
        self.place_order(tick.symbol)


class Bot6:
    def __init__(self, exchange):
        self.exchange = exchange
        self.cached = None

    def place_order(self, symbol):
        qty = self.exchange.cached_balance() * 0.1
        self.exchange.create_order(symbol, "BUY", qty)  # B6 a cached read

    def run(self, tick):
        self.place_order(tick.symbol)
