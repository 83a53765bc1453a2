demo --ram 4G --nodes 8
