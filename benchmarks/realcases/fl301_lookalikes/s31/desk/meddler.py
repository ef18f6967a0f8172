"""Code elsewhere that writes the look-alikes' collections."""

from desk import lookalikes2
from desk.lookalikes2 import renamed as also_renamed


def after_each_pass():
    lookalikes2.shared.clear()
    also_renamed.clear()
    return make_one()


def make_one():
    return lookalikes2.make()
