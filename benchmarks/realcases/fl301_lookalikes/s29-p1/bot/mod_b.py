from bot import mod_a


def after_pass():
    mod_a.sent.clear()
