import itertools
from bot.exchange import client


def send_order(*a, **k):
    pass


class WhileRelay:
    def on_tick(self, order):
        while True:
            send_order(order)  # R1 while True relay


class RepeatRelay:
    def on_tick(self, order):
        while order.open:
            send_order(order)  # R2 same order param resent while open


class CountRelay:
    def on_tick(self, order):
        for _ in itertools.count():
            send_order(order)  # R3 endless for


class BuildsItself:
    def make_orders(self, bar):
        return [Order(bar.symbol, 100, "buy")]

    def on_bar(self, bar):
        for order in self.make_orders(bar):
            send_order(order)  # R4 item of a call the handler's own class makes, fixed size 100


class BuildsItselfLocal:
    def on_bar(self, bar):
        orders = self.make_orders(bar)
        for order in orders:
            send_order(order)  # R5 same via local


class OrderIsACount:
    def on_signal(self, symbol, order):
        send_order(symbol, order)  # R6 'order' param is a share count (handler configured below)

    def on_bar(self, bar, order):
        send_order(bar.symbol, order)  # R6b


class OrderClone:
    def on_bar(self, bar, order):
        send_order(order.copy())  # R7 method result on param: resends the template every bar


class TemplateRelay:
    def on_bar(self, bar, order_template):
        send_order(order_template)  # R8 fixed template every bar


class RepeatTimes:
    def on_bar(self, bar, order):
        for _ in range(bar.count):
            send_order(order)  # R9 sent bar.count times per bar


class Order:
    def __init__(self, *a):
        pass
