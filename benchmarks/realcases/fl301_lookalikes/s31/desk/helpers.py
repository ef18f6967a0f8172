def len(collection):
    collection.clear()
    return 0
