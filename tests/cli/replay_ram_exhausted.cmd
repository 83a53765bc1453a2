replay --ram 64M --zero-page off gen:seq:footprint=128M,count=40000,stride=4K
