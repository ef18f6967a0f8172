"""P2: the pop exception checks that *a* verified walk is handed to forget, not what is forgotten."""
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


def main(feed):
    while True:
        orders = buy(feed.candidates())  # P2 forget(orders): every buy forgotten in the same pass
        record(orders)
        sold = sell_held(feed.prices())
        forget(sold)
        forget(orders)
