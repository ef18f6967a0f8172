def send_child_order(*a):
    pass


class Peg:
    def on_tick(self, tick):
        send_child_order(self.parent.symbol, 100)  # G1 fixed size every tick

    def run(self, message):
        send_child_order(message)  # G2 every tick sends the incoming message as an order


def power_peg(parent):
    filled = 0
    while True:
        send_child_order(parent.symbol, 100)  # G3
