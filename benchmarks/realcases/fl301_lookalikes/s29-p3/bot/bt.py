class Strategy:
    def create_order(self, asset, qty, side):
        return (asset, qty, side)

    def submit_orders(self, orders):
        pass

    def sell_all(self):
        pass


class K1(Strategy):
    def initialize(self):
        self.held = []
        self.cap = 3

    def on_trading_iteration(self):
        orders = []
        for asset in self.ranked():
            if len(self.held) >= self.cap:
                break
            orders.append(self.create_order(asset, 10, "buy"))
            self.held.append(asset)
        self.cap += 1
        self.submit_orders(orders)  # K1 cap grows each call

    def ranked(self):
        return ["A", "B"]


class K2(Strategy):
    def initialize(self):
        self.held = []

    def on_trading_iteration(self):
        orders = []
        for asset in self.ranked():
            cap = 3 + len(self.held)
            if len(self.held) >= cap:
                break
            orders.append(self.create_order(asset, 10, "buy"))
            self.held.append(asset)
        self.submit_orders(orders)  # K2 cap moves with the count: never reached

    def ranked(self):
        return ["A", "B"]


class K3(Strategy):
    def initialize(self):
        self.held = []

    def on_trading_iteration(self):
        self.refresh()
        orders = []
        for asset in self.ranked():
            if len(self.held) >= 3:
                break
            orders.append(self.create_order(asset, 10, "buy"))
            self.held.append(asset)
        self.submit_orders(orders)  # K3 setup re-run by a callee each call

    def refresh(self):
        self.initialize()

    def ranked(self):
        return ["A", "B"]


class K4(Strategy):
    def initialize(self):
        self.held = []

    def on_trading_iteration(self):
        orders = []
        for asset in self.ranked():
            if len(self.held) >= 3:
                break
            orders.append(self.create_order(asset, 10, "buy"))
            self.held.append(asset)
        self.submit_orders(orders)  # K4 alias cleared by another handler

    def on_filled_order(self, order):
        held = self.held
        held.clear()

    def ranked(self):
        return ["A", "B"]


class K5Base(Strategy):
    def initialize(self):
        self.held = []

    def on_trading_iteration(self):
        orders = []
        for asset in self.ranked():
            if len(self.held) >= 3:
                break
            orders.append(self.create_order(asset, 10, "buy"))
            self.held.append(asset)
        self.submit_orders(orders)  # K5 subclass empties it each fill

    def ranked(self):
        return ["A", "B"]


class K5(K5Base):
    def on_filled_order(self, order):
        self.held.clear()


class K6(Strategy):
    def initialize(self):
        self.held = []

    def on_trading_iteration(self):
        orders = []
        for asset in self.ranked():
            if len(self.held) >= 3:
                break
            orders.append(self.create_order(asset, 10, "buy"))
            self.held.append(asset)
        self.submit_orders(orders)  # K6 "sell_all" that sells nothing, then reset, in a handler each bar

    def sell_all(self):
        pass

    def on_bar(self, bar):
        self.sell_all()
        self.held = []

    def ranked(self):
        return ["A", "B"]


class K7(Strategy):
    def initialize(self):
        self.held = []

    def on_trading_iteration(self):
        orders = []
        for asset in self.ranked():
            if len(self.held) >= 3:
                break
            orders.append(self.create_order(asset, 10, "buy"))
            self.held.append(asset)
        self.submit_orders(orders)  # K7 held popped from the front by a callee two levels down
        self.tidy()

    def tidy(self):
        self.trim()

    def trim(self):
        self.held = self.held[1:]

    def ranked(self):
        return ["A", "B"]
