"""P1: the pop exception: a sell that fails silently still records, and the buy repeats."""
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
        try:
            client.create_order(symbol=symbol, side="SELL", quantity=bought[symbol]["volume"])
        except Exception:
            pass
        sold[symbol] = bought[symbol]
    return sold


def forget(sold):
    for symbol in sold:
        bought.pop(symbol)


def main(feed):
    while True:
        orders = buy(feed.candidates())  # P1 buy again each pass when the sell fails
        record(orders)
        sold = sell_held(feed.prices())
        forget(sold)
