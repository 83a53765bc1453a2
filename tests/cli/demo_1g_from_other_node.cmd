demo --ram 5G --nodes 3
