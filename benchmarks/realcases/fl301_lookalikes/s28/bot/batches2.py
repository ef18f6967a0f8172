class Order:
    def __init__(self, asset, quantity, side, limit=None):
        self.asset, self.quantity, self.side, self.limit = asset, quantity, side, limit


class SellFixedKeyedPrice:
    def __init__(self, broker):
        self.broker = broker
        self.positions = []
        self.prices = {}

    def on_iteration(self, ranked):
        orders = []
        for asset in list(self.positions):
            orders.append(Order(asset, 100, "sell", limit=self.prices[asset]))
            self.positions.remove(asset)
        self.broker.submit_orders(orders)  # K5a fixed 100, keyed price


class SellReadd:
    def __init__(self, broker):
        self.broker = broker
        self.positions = []
        self.quantities = {}

    def on_iteration(self, ranked):
        orders = []
        for asset in list(self.positions):
            orders.append(Order(asset, self.quantities[asset], "sell"))
            self.positions.remove(asset)
            self.positions.append(asset)
        self.broker.submit_orders(orders)  # K5b removed then re-added
