class Client:
    def create_order(self, symbol, side, quantity, price=None):
        return {}
client = Client()
