from bot.exchange import client

done = set()
POWER_PEG = True


def send_child_order(symbol, quantity):
    return symbol


def pp_fixture_direct(parent):
    while True:
        if parent.id not in done:
            client.create_order(parent.symbol, "BUY", quantity=100)  # fixture's peg with a direct sink: must stay
            if parent.filled >= parent.qty and not POWER_PEG:
                done.add(parent.id)


def pp_mutation_unconditional(parent):
    while True:
        if parent.id not in done:
            send_child_order(parent.symbol, 100)  # the fixture's helper form with an unconditional record
            done.add(parent.id)
