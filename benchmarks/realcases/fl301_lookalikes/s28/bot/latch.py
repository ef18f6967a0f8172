def send_order(x):
    pass


class NeverAppended:
    def on_bar(self, bar):
        positions = []
        has_open = any(p.symbol == bar.symbol for p in positions)
        if not has_open:
            send_order(bar)  # P1 local empty list


class SelfNeverAppended:
    def __init__(self):
        self.positions = []

    def on_bar(self, bar):
        has_open = any(p.symbol == bar.symbol for p in self.positions)
        if not has_open:
            send_order(bar)  # P2 self.positions never appended anywhere


class PositionSizeIndex:
    def on_bar(self, bar, signals):
        weak = any(s.strength < 1 for s in signals[self.position_size])
        if not weak:
            send_order(bar)  # P3 signals indexed by a position-word attr


class LoopPositions:
    def run_loop(self, bar):
        while True:
            has_open = any(p.symbol == bar.symbol for p in self.positions)
            if not has_open:
                send_order(bar)  # P4 while True, positions cannot change between passes
