from bot.exchange import client

sent = set()


def d12_cleared_in_other_module(feed):
    while True:
        for sym in feed.candidates():
            if sym not in sent:
                client.create_order(symbol=sym, side="BUY", quantity=100)  # D12 cleared by bot.mod_b each pass
                sent.add(sym)
        feed.after_pass()
