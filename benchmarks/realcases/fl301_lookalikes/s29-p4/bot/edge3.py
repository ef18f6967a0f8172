from bot.exchange import client
sent = set()


def n4(feed):
    while True:
        for k in feed.c():
            if k not in sent:
                client.create_order(k, "BUY", quantity=1)  # N4 control: truly once per key
                sent.add(k)
