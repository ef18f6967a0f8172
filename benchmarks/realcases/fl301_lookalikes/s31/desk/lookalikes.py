"""Look-alikes of once per key where the reason does not hold: each stays reported."""

import time

from market_data import feed

from desk.venue import route

after_send = set()
guarded_elsewhere = set()
popped = set()
aliased = set()
escaped = set()
keyed = set()
fresh = set()


def record_after_send_in_a_function():
    # A caller may catch the send's error and call again: the key is unrecorded.
    while True:
        for symbol in feed.symbols():
            if symbol not in after_send:
                route(symbol, 100)  # expect: FL301
                after_send.add(symbol)


def record_of_another_key():
    while True:
        for symbol in feed.symbols():
            if symbol not in guarded_elsewhere:
                guarded_elsewhere.add(symbol.upper())
                route(symbol, 100)  # expect: FL301


def key_rebound_after_the_record():
    while True:
        for symbol in feed.symbols():
            if symbol not in keyed:
                keyed.add(symbol)
                symbol = symbol + ".X"
                route(symbol, 100)  # expect: FL301


def forget(symbol):
    popped.discard(symbol)


def emptied_by_another_function():
    while True:
        for symbol in feed.symbols():
            if symbol not in popped:
                popped.add(symbol)
                route(symbol, 100)  # expect: FL301


def clear_through_an_alias():
    kept = aliased
    kept.clear()


def emptied_through_an_alias():
    while True:
        for symbol in feed.symbols():
            if symbol not in aliased:
                aliased.add(symbol)
                route(symbol, 100)  # expect: FL301


def handed_to_a_helper():
    while True:
        for symbol in feed.symbols():
            if symbol not in escaped:
                escaped.add(symbol)
                route(symbol, 100)  # expect: FL301
        housekeeping(escaped)


def housekeeping(seen):
    seen.clear()


def a_fresh_key_each_pass():
    # The key is new on every pass: once per key is once per pass.
    while True:
        stamp = time.time()
        if stamp not in fresh:
            fresh.add(stamp)
            route("ES", 100)  # expect: FL301


def power_peg(parent):
    done = set()
    while True:
        if parent not in done:
            done.add(parent)
            route(parent, 100)  # expect: FL301
        done.clear()  # the record is undone every pass
        route(parent, 100)  # expect: FL301


children_sent = set()


def make_children(parent):
    return [object() for _ in range(parent.legs)]


def keys_made_by_the_project(parent):
    # New objects on every pass: each is a new key, once per key is once per pass.
    while True:
        for child in make_children(parent):
            if child not in children_sent:
                children_sent.add(child)
                route(child, 100)  # expect: FL301
