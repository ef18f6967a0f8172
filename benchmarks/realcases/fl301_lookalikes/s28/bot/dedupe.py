import time
from collections import deque
from bot.exchange import client

sent = set()
bought = set()
recent = deque(maxlen=3)


def d1_add_other_key(feed):
    while True:
        for sym in feed.candidates():
            if sym not in sent:
                client.create_order(symbol=sym, side="BUY", quantity=100)  # L1 add different key
                sent.add(time.time())


def d2_add_some_path(feed, debug):
    while True:
        for sym in feed.candidates():
            if sym not in bought:
                client.create_order(symbol=sym, side="BUY", quantity=100)  # L2 add only when debug
                if debug:
                    bought.add(sym)


def d3_cleared(feed):
    while True:
        for sym in feed.candidates():
            if sym not in sent:
                client.create_order(symbol=sym, side="BUY", quantity=100)  # L3 cleared each pass
                sent.add(sym)
            sent.clear()


def d4_discard(feed):
    while True:
        for sym in feed.candidates():
            if sym not in sent:
                client.create_order(symbol=sym, side="BUY", quantity=100)  # L4 add then discard
                sent.add(sym)
                sent.discard(sym)


def d5_rolling(feed):
    while True:
        for sym in feed.candidates():
            if sym not in recent:
                client.create_order(symbol=sym, side="BUY", quantity=100)  # L5 deque(maxlen)
                recent.append(sym)


class Handler:
    def on_tick(self, tick):
        seen = set()
        for sym in tick.symbols:
            if sym not in seen:
                client.create_order(symbol=sym, side="BUY", quantity=100)  # L6 local set per call
                seen.add(sym)


def helper_local():
    sent = set()
    sent.add("x")
    return sent


def d7_other_scope_same_name(feed):
    while True:
        for sym in feed.candidates():
            if sym not in sent:
                client.create_order(symbol=sym, side="BUY", quantity=100)  # L7 add in helper's own local
            helper_local()


def d8_power_peg(parent):
    done = set()
    while True:
        if parent.id not in done:
            send_child_order(parent.symbol, 100)  # L8 power peg, set local re-created? no: never cleared but add gated by flag
        if parent.filled >= parent.qty and not POWER_PEG:
            done.add(parent.id)


def d9_plain_power_peg(parent):
    while True:
        send_child_order(parent.symbol, 100)  # L9 plain power peg


def d10_continue_other(feed):
    while True:
        for sym in feed.candidates():
            if sym in sent:
                continue
            client.create_order(symbol=sym, side="BUY", quantity=100)  # L10 continue guard, add to other key
            sent.add(sym + "_x")
