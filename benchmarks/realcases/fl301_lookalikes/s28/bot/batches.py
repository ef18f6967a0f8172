class Order:
    def __init__(self, asset, quantity, side):
        self.asset, self.quantity, self.side = asset, quantity, side


class ResetEachCall:
    def __init__(self, broker):
        self.broker = broker
        self.positions = []
        self.max_assets = 3

    def on_iteration(self, ranked):
        self.positions.clear()
        orders = []
        for asset in ranked:
            if len(self.positions) >= self.max_assets:
                break
            orders.append(Order(asset, 10, "buy"))
            self.positions.append(asset)
        self.broker.submit_orders(orders)  # K1 positions cleared every call


class AnnotatedLocal:
    def __init__(self, broker):
        self.broker = broker

    def on_iteration(self, ranked):
        picked: list[str] = []
        orders = []
        for asset in ranked:
            if len(picked) >= 3:
                break
            orders.append(Order(asset, 10, "buy"))
            picked.append(asset)
        self.broker.submit_orders(orders)  # K2 local counter list, annotated


class ParamList:
    def __init__(self, broker):
        self.broker = broker

    def on_iteration(self, ranked, chosen):
        orders = []
        for asset in ranked:
            if len(chosen) >= 3:
                break
            orders.append(Order(asset, 10, "buy"))
            chosen.append(asset)
        self.broker.submit_orders(orders)  # K3 'chosen' passed in fresh by the caller


class WrongDirection:
    def __init__(self, broker):
        self.broker = broker
        self.log = []

    def on_iteration(self, ranked):
        orders = []
        for asset in ranked:
            if len(self.log) < 0:
                break
            orders.append(Order(asset, 10, "buy"))
            self.log.append(asset)
        self.broker.submit_orders(orders)  # K4 test never true


class SellFixedPriceKeyed:
    def __init__(self, broker):
        self.broker = broker
        self.positions = []
        self.prices = {}

    def on_iteration(self, ranked):
        orders = []
        for asset in list(self.positions):
            orders.append(Order(asset, 100, "sell" if self.prices[asset] else "sell"))
            self.positions.remove(asset)
            self.positions.append(asset)
        self.broker.submit_orders(orders)  # K5 fixed 100, keyed price lookup, re-added


class SellFixedKeyed2:
    def __init__(self, broker):
        self.broker = broker
        self.positions = []
        self.prices = {}

    def on_iteration(self, ranked):
        orders = []
        for asset in list(self.positions):
            orders.append(Order(asset, 100, "sell"))
            orders.append(Order(asset, self.prices[asset], "sell"))
            self.positions.remove(asset)
        self.broker.submit_orders(orders)  # K6 fixed 100 sell


class DelSlice:
    def __init__(self, broker):
        self.broker = broker
        self.positions = []

    def on_iteration(self, ranked):
        del self.positions[:]
        orders = []
        for asset in ranked:
            if len(self.positions) >= 3:
                break
            orders.append(Order(asset, 10, "buy"))
            self.positions.append(asset)
        self.broker.submit_orders(orders)  # K7 del positions[:] each call
