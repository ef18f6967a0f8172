from bot.exchange import client
held = {}
sent = set()


async def a1(feed):
    while True:
        async for symbol in feed.stream():
            if symbol not in sent:
                client.create_order(symbol, "BUY", quantity=1)
                sent.add(symbol)
        for (s, v) in list(held.items()):
            client.create_order(s, "SELL", v)
            del held[s], held[s]
        for s in list(held):
            match s:
                case "A":
                    client.create_order(s, "SELL", held[s])
                case _:
                    pass
            held.pop(s)
        for s in list(held):
            client.create_order(*s, quantity=held[s])
            held.pop(s)
        for s in list(held):
            client.create_order(s, "SELL", quantity=(q := held[s]))
            held.pop(s)
        for k in feed.c():
            if k not in sent:
                client.create_order(k, "BUY", 1); sent.add(k)
            def inner():
                sent.clear()
        for k in feed.c():
            if k not in sent:
                client.create_order(k, "BUY", 1)
                sent[k] += 1


class X:
    def __init__(self):
        self.held = []

    def run(self, t):
        o = []
        for a in t:
            if len(self.held) >= 3:
                return
            o.append(a)
            self.held.append(a)
        client.create_order(o, "BUY", quantity=o)
        client.create_order(*o)
        return client.create_order(o)
