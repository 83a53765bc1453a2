replay gen:seq --ram 65M
