"""P3: the verified walk lives in another loop; this loop forgets each buy."""
from bot.exchange import client

bought = {}


def buy(candidates):
    orders = {}
    for symbol in candidates:
        if symbol not in bought:
            client.create_order(symbol=symbol, side="BUY", quantity=10)
            orders[symbol] = {"volume": 10}
    return orders


def record(orders):
    for symbol in orders:
        bought[symbol] = orders[symbol]


def sell_held(prices):
    sold = {}
    for symbol in list(bought):
        if prices[symbol] > 1.1:
            client.create_order(symbol=symbol, side="SELL", quantity=bought[symbol]["volume"])
            sold[symbol] = bought[symbol]
    return sold


def forget(sold):
    for symbol in sold:
        bought.pop(symbol)


def paused(feed):
    while feed.paused():
        sold = sell_held(feed.prices())
        forget(sold)


def main(feed):
    while True:
        orders = buy(feed.candidates())  # P3 buy; record; forget the buys: Power Peg
        record(orders)
        forget(orders)
