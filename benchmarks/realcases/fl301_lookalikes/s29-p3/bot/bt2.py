from bot.bt import Strategy


class K8(Strategy):
    def initialize(self):
        self.held = []

    def on_trading_iteration(self):
        orders = []
        for asset in self.ranked():
            orders.append(self.create_order(asset, 10, "buy"))
            if len(self.held) >= 3:
                break
            self.held.append(asset)
        self.submit_orders(orders)  # K8 the order is appended before the cap test: one more every call

    def ranked(self):
        return ["A", "B"]


class K9(Strategy):
    def initialize(self):
        self.held = []

    def on_trading_iteration(self):
        orders = []
        for asset in self.ranked():
            if len(self.held) >= 3:
                orders.append(self.create_order(asset, 10, "buy"))
                break
            self.held.append(asset)
        self.submit_orders(orders)  # K9 the order is added only once the cap is reached

    def ranked(self):
        return ["A", "B"]
