from bot.exchange import client
sent = set()


def n1(feed):
    def forget_all():
        sent.clear()
    while True:
        for k in feed.c():
            if k not in sent:
                client.create_order(k, "BUY", quantity=1)  # N1 nested helper clears sent each pass
                sent.add(k)
        forget_all()


def n2(feed):
    reset = sent.clear
    while True:
        for k in feed.c():
            if k not in sent:
                client.create_order(k, "BUY", quantity=1)  # N2 bound method clear
                sent.add(k)
        reset()


def n3(feed):
    while True:
        for k in feed.c():
            if k not in sent:
                client.create_order(k, "BUY", quantity=1)  # N3 in-place intersection each pass
                sent.add(k)
        sent.intersection_update(feed.open_ids())  # x
